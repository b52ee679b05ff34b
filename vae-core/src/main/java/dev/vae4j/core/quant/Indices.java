package dev.vae4j.core.quant;

import dev.vae4j.core.tensor.Shapes;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** The argument check of {@link Quantizer#codes}: int64 indices (N, H, W) in [0, range). */
final class Indices {
    private Indices() {}

    /** @throws IllegalArgumentException naming {@code who}, the shape or the offending values */
    static void check(Tensor indices, long range, String who) {
        if (indices.dim() != 3 || indices.scalar_type().value != ScalarType.Long.value) {
            throw new IllegalArgumentException(
                    who + ": indices must be int64 (N, H, W), got " + Shapes.describe(indices));
        }
        if (indices.numel() == 0) {
            return;
        }
        long min = indices.min().item_long();
        long max = indices.max().item_long();
        if (min < 0 || max >= range) {
            throw new IllegalArgumentException(
                    who + ": indices span [" + min + ", " + max + "], outside [0, " + range + ")");
        }
    }
}
