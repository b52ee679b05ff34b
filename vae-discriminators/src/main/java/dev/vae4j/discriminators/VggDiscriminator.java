package dev.vae4j.discriminators;

import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.nn.Vgg16Features;
import dev.vae4j.core.tensor.Shapes;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * VGG16-backbone patch discriminator (cloneofsimo/vqgan-training v0.2 {@code PatchDiscriminator}): the LPIPS scaling
 * {@code (x - shift) / scale} (shift -0.030/-0.088/-0.188, scale 0.458/0.448/0.450), then the first 16 layers of
 * torchvision's {@code vgg16().features} (indices 0..15: conv1_1 .. relu3_3, two max-pools), then a 1x1 conv head
 * (stage-3 width -> 1, no bias, zero-initialised, so every logit starts at 0).
 *
 * <p><b>Tap point.</b> The head reads relu3_3 (features index 15), exactly the original's {@code features[:16]}: it is
 * the deepest tap that keeps a dense patch grid (H/4) and a moderate receptive field (~40 px), where VGG features still
 * describe texture and local sharpness rather than object semantics, which is what a reconstruction discriminator
 * should judge; deeper taps (relu4_3, relu5_3) would coarsen the patch grid to H/8, H/16.
 *
 * <p>Keys: {@code features.N.weight|bias} (torchvision's names, so a torchvision VGG16 checkpoint loads into
 * {@code features} leniently; the unused convs 17..28 are unregistered, leaving 1,735,744 parameters for the real
 * trunk) and {@code head.weight}. The trunk is trainable (the original's choice) or frozen (its parameters stop
 * requiring grad). Input (N, 3, H, W) in [-1, 1], sides >= 4 -> patch logits (N, 1, H/4, W/4) (floor).
 */
public final class VggDiscriminator extends Module implements Discriminator, MacCountable {
    /** The features index whose output the head reads (relu3_3), i.e. the trunk is {@code features[:16]}. */
    public static final int TAP_END = 16;

    private static final float[] SHIFT = {-0.030f, -0.088f, -0.188f};
    private static final float[] SCALE = {0.458f, 0.448f, 0.450f};

    private final Vgg16Features features;
    private final Conv2dImpl head;
    private final boolean trunkTrainable;

    /**
     * @param features the VGG16 trunk (pretrained weights loaded by the caller, or random for tests); registered as
     *     {@code features}; must take 3-channel input
     * @param trunkTrainable false freezes every trunk parameter (requires_grad off)
     */
    public VggDiscriminator(Vgg16Features features, boolean trunkTrainable) {
        if (features.inChannels() != 3) {
            throw new IllegalArgumentException(
                    "the VGG discriminator needs an RGB trunk, got " + features.inChannels() + " input channels");
        }
        for (int i = TAP_END; i < Vgg16Features.LAYER_COUNT; i++) {
            if (features.named_children().contains(Integer.toString(i))) {
                features.unregister_module(Integer.toString(i)); // unused layers: not trained, not counted
            }
        }
        this.features = register_module("features", features);
        long width = features.widths().get(2);
        Conv2dOptions options = new Conv2dOptions(width, 1, new LongPointer(1L, 1L));
        options.bias().put(false);
        this.head = register_module("head", new Conv2dImpl(options));
        try (NoGradGuard noGrad = new NoGradGuard()) {
            head.weight().zero_();
        }
        this.trunkTrainable = trunkTrainable;
        StringTensorDict params = features.named_parameters(true);
        for (long i = 0; i < params.size(); i++) {
            params.get(i).value().requires_grad_(trunkTrainable);
        }
    }

    /** The real VGG16 trunk (load torchvision weights into {@code features.*} before training). */
    public static VggDiscriminator vgg16(boolean trunkTrainable) {
        return new VggDiscriminator(new Vgg16Features(), trunkTrainable);
    }

    /** The trunk. */
    public Vgg16Features features() {
        return features;
    }

    /** Whether the trunk trains. */
    public boolean trunkTrainable() {
        return trunkTrainable;
    }

    /** (N, 3, H, W) -> (N, 1, H/4, W/4). */
    public Tensor forward(Tensor images) {
        if (images == null
                || images.isNull()
                || !images.defined()
                || images.dim() != 4
                || images.size(1) != 3
                || images.size(2) < 4
                || images.size(3) < 4) {
            throw new IllegalArgumentException("VGG discriminator input must be (N, 3, H, W) with sides >= 4, got "
                    + (images == null || images.isNull() || !images.defined()
                            ? "undefined"
                            : "shape " + Shapes.describe(images)));
        }
        Tensor shift = torch.tensor(SHIFT).view(1, 3, 1, 1).to(images.device(), images.scalar_type());
        Tensor scale = torch.tensor(SCALE).view(1, 3, 1, 1).to(images.device(), images.scalar_type());
        Tensor h = features.forwardUntil(images.sub(shift).div(scale), TAP_END);
        return head.forward(h);
    }

    @Override
    public Tensor logits(Tensor images) {
        return forward(images);
    }

    @Override
    public Module module() {
        return this;
    }

    @Override
    public long macs(long height, long width) {
        if (height < 4 || width < 4) {
            throw new IllegalArgumentException("VGG discriminator needs sides >= 4, got " + height + "x" + width);
        }
        long w1 = features.widths().get(0);
        long w2 = features.widths().get(1);
        long w3 = features.widths().get(2);
        long p1 = height * width;
        long p2 = (height / 2) * (width / 2);
        long p3 = (height / 4) * (width / 4);
        return 9 * (3 * w1 * p1 + w1 * w1 * p1 + w1 * w2 * p2 + w2 * w2 * p2 + w2 * w3 * p3 + 2 * w3 * w3 * p3)
                + w3 * p3;
    }
}
