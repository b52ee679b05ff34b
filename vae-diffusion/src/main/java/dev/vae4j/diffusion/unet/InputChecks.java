package dev.vae4j.diffusion.unet;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** The checks of {@link LatentUNet#predict}'s inputs, each failing with a one-line message naming value and limit. */
final class InputChecks {
    private InputChecks() {}

    static void check(LatentUNetConfig config, Tensor latents, Tensor timesteps, Tensor labels, Tensor selfCondition) {
        if (latents == null || timesteps == null) {
            throw new IllegalArgumentException("latents and timesteps must not be null");
        }
        if (latents.dim() != 4 || !latents.is_floating_point()) {
            throw new IllegalArgumentException("latents must be (N, " + config.inChannels() + ", H, W) float, got "
                    + shape(latents) + " " + latents.scalar_type());
        }
        if (latents.size(1) != config.inChannels()) {
            throw new IllegalArgumentException("latents have " + latents.size(1) + " channels, the model takes "
                    + config.inChannels() + " (in_channels)");
        }
        long multiple = config.sizeMultiple();
        if (latents.size(2) % multiple != 0 || latents.size(3) % multiple != 0 || latents.size(2) == 0) {
            throw new IllegalArgumentException("latents " + latents.size(2) + "x" + latents.size(3)
                    + " are not divisible by " + multiple + " (down_kern " + config.downKernel() + " ^ (levels "
                    + config.levels() + " - 1))");
        }
        long n = latents.size(0);
        if (timesteps.dim() != 1 || timesteps.size(0) != n) {
            throw new IllegalArgumentException("timesteps must be (N) = (" + n + "), got " + shape(timesteps));
        }
        if (labels != null) {
            checkLabels(config, labels, n);
        }
        if (selfCondition != null) {
            if (!config.selfCondition()) {
                throw new IllegalArgumentException(
                        "self-conditioning latents given to a model built with self_condition false");
            }
            if (!Arrays.equals(
                    selfCondition.sizes().vec().get(), latents.sizes().vec().get())) {
                throw new IllegalArgumentException("self-conditioning latents " + shape(selfCondition)
                        + " differ from the latents " + shape(latents));
            }
        }
    }

    private static void checkLabels(LatentUNetConfig config, Tensor labels, long n) {
        if (config.classes() == 0) {
            throw new IllegalArgumentException("labels given to a model without label embedding (classes 0)");
        }
        if (labels.dim() != 1 || labels.size(0) != n || labels.scalar_type().value != ScalarType.Long.value) {
            throw new IllegalArgumentException(
                    "labels must be (N) = (" + n + ") int64, got " + shape(labels) + " " + labels.scalar_type());
        }
        long min = labels.min().item_long();
        long max = labels.max().item_long();
        if (min < 0 || max >= config.classes()) {
            throw new IllegalArgumentException(
                    "label " + (min < 0 ? min : max) + " is outside [0, " + config.classes() + ")");
        }
    }

    private static String shape(Tensor t) {
        return Arrays.toString(t.sizes().vec().get());
    }
}
