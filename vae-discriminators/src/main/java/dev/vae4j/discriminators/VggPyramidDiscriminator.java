package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.relu;

import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.nn.Vgg16Features;
import dev.vae4j.core.tensor.Shapes;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * cloneofsimo/vqgan-training HEAD's {@code PatchDiscriminator}: the LPIPS scaling {@code (x - shift) / scale}, the
 * VGG16 trunk up to relu5_3 ({@code features[:30]}, trainable) and one head per stage tap, each reducing its tap to an
 * H/16 x W/16 logit map, summed:
 *
 * <ul>
 *   <li>relu1_2 (w1): conv k4 s4 to w1/2, ReLU, conv k4 s4 to 1
 *   <li>relu2_2 (w2): conv k4 s4 to w2/2, ReLU, conv k2 s2 to 1
 *   <li>relu3_3 (w3): conv k2 s2 to w3/2, ReLU, conv k2 s2 to 1
 *   <li>relu4_3 (w4): conv k2 s2 to 1
 *   <li>relu5_3 (w5): conv k1 to 1
 * </ul>
 *
 * (the original's 64/32, 128/64, 256/128, 512, 512 at the real widths). Every conv has a bias; the last weight of each
 * head starts at zero, so the first logits are the sum of the last biases. Input (N, 3, H, W) in [-1, 1] with H and W
 * multiples of 16 -> logits (N, 1, H/16, W/16) (the original flattens each head to (N, H/16 * W/16) before summing).
 *
 * <p>Keys: {@code features.N.weight|bias} (torchvision's names; the original's {@code sliceK.0.N}) and
 * {@code binary_classifierK.J.weight|bias} (the original's), K = 1..5, J = 0 or 2.
 */
public final class VggPyramidDiscriminator extends Module implements Discriminator {
    private static final float[] SHIFT = {-0.030f, -0.088f, -0.188f};
    private static final float[] SCALE = {0.458f, 0.448f, 0.450f};
    /** Per head: hidden kernel/stride (0: single conv), output kernel/stride. */
    private static final int[][] HEADS = {{4, 4}, {4, 2}, {2, 2}, {0, 2}, {0, 1}};

    private final Vgg16Features features;
    private final List<Conv2dImpl[]> heads = new ArrayList<>();

    /**
     * @param features the VGG16 trunk (pretrained weights loaded by the caller, or random for tests); registered as
     *     {@code features}; must take 3-channel input; trainable
     */
    public VggPyramidDiscriminator(Vgg16Features features) {
        if (features.inChannels() != 3) {
            throw new IllegalArgumentException("the VGG pyramid discriminator needs an RGB trunk, got "
                    + features.inChannels() + " input channels");
        }
        this.features = register_module("features", features);
        for (int k = 0; k < HEADS.length; k++) {
            long width = features.widths().get(k);
            Module head = new Module();
            Conv2dImpl last;
            if (HEADS[k][0] > 0) {
                Conv2dImpl hidden = Layers.conv2d(width, width / 2, HEADS[k][0], HEADS[k][0], 0);
                head.register_module("0", hidden);
                last = Layers.conv2d(width / 2, 1, HEADS[k][1], HEADS[k][1], 0);
                head.register_module("2", last);
                heads.add(new Conv2dImpl[] {hidden, last});
            } else {
                last = Layers.conv2d(width, 1, HEADS[k][1], HEADS[k][1], 0);
                head.register_module("0", last);
                heads.add(new Conv2dImpl[] {last});
            }
            try (NoGradGuard noGrad = new NoGradGuard()) {
                last.weight().zero_();
            }
            register_module("binary_classifier" + (k + 1), head);
        }
    }

    /** The real VGG16 trunk (load torchvision weights into {@code features.*} before training). */
    public static VggPyramidDiscriminator vgg16() {
        return new VggPyramidDiscriminator(new Vgg16Features());
    }

    /** The trunk. */
    public Vgg16Features features() {
        return features;
    }

    /** (N, 3, H, W), H and W multiples of 16 -> (N, 1, H/16, W/16). */
    public Tensor forward(Tensor images) {
        if (images == null
                || images.isNull()
                || !images.defined()
                || images.dim() != 4
                || images.size(1) != 3
                || images.size(2) % 16 != 0
                || images.size(3) % 16 != 0
                || images.size(2) == 0
                || images.size(3) == 0) {
            throw new IllegalArgumentException("VGG pyramid discriminator input must be (N, 3, H, W) with H and W "
                    + "positive multiples of 16, got "
                    + (images == null || images.isNull() || !images.defined()
                            ? "undefined"
                            : "shape " + Shapes.describe(images)));
        }
        Tensor shift = torch.tensor(SHIFT).view(1, 3, 1, 1).to(images.device(), images.scalar_type());
        Tensor scale = torch.tensor(SCALE).view(1, 3, 1, 1).to(images.device(), images.scalar_type());
        List<Tensor> taps = features.taps(images.sub(shift).div(scale));
        Tensor sum = null;
        for (int k = 0; k < heads.size(); k++) {
            Conv2dImpl[] head = heads.get(k);
            Tensor h = taps.get(k);
            h = head.length == 2 ? head[1].forward(relu(head[0].forward(h))) : head[0].forward(h);
            sum = sum == null ? h : sum.add(h);
        }
        return sum;
    }

    @Override
    public Tensor logits(Tensor images) {
        return forward(images);
    }

    @Override
    public Module module() {
        return this;
    }
}
