package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.conv2d;
import static org.bytedeco.pytorch.global.torch.upsample_bilinear2d;

import dev.vae4j.core.io.LoadReport;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.io.WeightLoadingException;
import dev.vae4j.core.nn.Vgg16Features;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * LPIPS (VGG16, version 0.1) exactly as pip {@code lpips} 0.1.4 computes it, frozen and always in eval mode (no
 * dropout). For images x0, x1 (N, 3, H, W) in [-1, 1]:
 *
 * <ol>
 *   <li>scaling layer {@code (x - shift) / scale}, shift (-.030, -.088, -.188), scale (.458, .448, .450);
 *   <li>the five VGG16 taps relu1_2 .. relu5_3 ({@link Vgg16Features#taps(Tensor)});
 *   <li>per tap, channel normalisation {@code f / (sqrt(sum_c f^2) + 1e-10)}, squared difference;
 *   <li>a 1x1 linear head without bias ({@code lin{k}.model.1.weight}, shape (1, w_k, 1, 1));
 *   <li>spatial mean per tap (or, {@code spatial}, bilinear upsampling to H x W with align_corners false), summed over
 *       the five taps.
 * </ol>
 *
 * {@link #forward(Tensor, Tensor)} returns (N, 1, 1, 1), {@link #spatialMap(Tensor, Tensor)} (N, 1, H, W); unitless
 * distances >= 0 (with non-negative heads). Parameters are named as in a safetensors file holding torchvision's
 * {@code features.N.weight|bias} and lpips' {@code lin{k}.model.1.weight}. Gradients flow to the images, never to the
 * weights.
 */
public final class Lpips extends Module {
    /** lpips' normalize_tensor eps. */
    public static final double EPS = 1e-10;

    private static final float[] SHIFT = {-.030f, -.088f, -.188f};
    private static final float[] SCALE = {.458f, .448f, .450f};

    private final Vgg16Features features;
    private final List<LinearHead> heads = new ArrayList<>();

    /** LPIPS around {@code features} with freshly initialised heads (load weights before use). */
    public Lpips(Vgg16Features features) {
        this.features = register_module("features", features);
        for (int k = 0; k < 5; k++) {
            heads.add(
                    register_module("lin" + k, new LinearHead(features.widths().get(k))));
        }
        freeze();
    }

    /**
     * Loads LPIPS from a safetensors file with {@code features.*} and {@code lin{k}.model.1.weight} (strict: every key
     * present and shaped right, nothing else). The trunk widths are read from the heads' shapes, so both the real VGG16
     * and narrow test trunks load.
     */
    public static Lpips fromSafetensors(Path file) {
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            List<Integer> widths = new ArrayList<>();
            for (int k = 0; k < 5; k++) {
                String key = "lin" + k + ".model.1.weight";
                if (!reader.contains(key)) {
                    throw new IllegalArgumentException("LPIPS weights " + file + " lack " + key);
                }
                widths.add((int) reader.entry(key).shape()[1]);
            }
            Lpips lpips = new Lpips(new Vgg16Features(3, widths));
            LoadReport report = StateDict.load(lpips, TensorSource.of(reader), true, file.toString());
            if (report.loaded() != 31) {
                throw new WeightLoadingException(
                        file + " (LPIPS needs 31 tensors, loaded " + report.loaded() + ")", report);
            }
            lpips.freeze();
            return lpips;
        }
    }

    private void freeze() {
        TensorVector params = parameters(true);
        for (long i = 0; i < params.size(); i++) {
            params.get(i).requires_grad_(false);
        }
        eval();
    }

    /** The VGG16 trunk. */
    public Vgg16Features features() {
        return features;
    }

    /** LPIPS distance per sample: (N, 3, H, W) x2 -> (N, 1, 1, 1). */
    public Tensor forward(Tensor x0, Tensor x1) {
        return distance(x0, x1, false);
    }

    /** Per-pixel LPIPS map ({@code spatial=True}): (N, 3, H, W) x2 -> (N, 1, H, W). */
    public Tensor spatialMap(Tensor x0, Tensor x1) {
        return distance(x0, x1, true);
    }

    /**
     * {@code values} as a (1, 3, 1, 1) tensor of {@code like}'s dtype filled on its device: no host-to-device copy
     * (which would wait for the device).
     */
    private static Tensor perChannel(float[] values, Tensor like) {
        TensorVector channels = new TensorVector();
        for (float v : values) {
            channels.push_back(like.new_full(new long[] {}, new Scalar(v)));
        }
        return torch.stack(channels).view(1, 3, 1, 1);
    }

    private Tensor distance(Tensor x0, Tensor x1, boolean spatial) {
        ImageChecks.requirePair(x0, x1, "LPIPS");
        if (x0.size(1) != 3) {
            throw new IllegalArgumentException(
                    "LPIPS: images must have 3 channels, got " + dev.vae4j.core.tensor.Shapes.describe(x0));
        }
        // constants, not buffers: a weights file holds only features.* and lin*.
        Tensor s = perChannel(SHIFT, x0);
        Tensor c = perChannel(SCALE, x0);
        List<Tensor> taps0 = features.taps(x0.sub(s).div(c));
        List<Tensor> taps1 = features.taps(x1.sub(s).div(c));
        Tensor total = null;
        for (int k = 0; k < 5; k++) {
            Tensor diff = normalize(taps0.get(k)).sub(normalize(taps1.get(k))).pow(new Scalar(2));
            Tensor res = heads.get(k).forward(diff);
            res = spatial
                    ? upsample_bilinear2d(res, new long[] {x0.size(2), x0.size(3)}, false)
                    : res.mean(new long[] {2, 3}, true, new ScalarTypeOptional());
            total = total == null ? res : total.add(res);
        }
        return total;
    }

    /** lpips.normalize_tensor: {@code x / (sqrt(sum_c x^2) + eps)}. */
    static Tensor normalize(Tensor x) {
        Tensor norm = x.pow(new Scalar(2))
                .sum(new long[] {1}, true, new ScalarTypeOptional())
                .sqrt();
        return x.div(norm.add(new Scalar(EPS)));
    }

    /** lpips NetLinLayer without dropout: child {@code model} holding conv {@code 1} (w -> 1, 1x1, no bias). */
    private static final class LinearHead extends Module {
        private final Module model;
        private final Module conv;
        private final Tensor weight;

        LinearHead(int width) {
            model = register_module("model", new Module());
            conv = model.register_module("1", new Module());
            // our own handle: register_parameter returns a reference into the module's table
            weight = torch.zeros(1, width, 1, 1);
            conv.register_parameter("weight", weight, false);
        }

        Tensor forward(Tensor x) {
            return conv2d(x, weight);
        }
    }
}
