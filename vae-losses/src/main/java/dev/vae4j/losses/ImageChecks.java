package dev.vae4j.losses;

import dev.vae4j.core.tensor.Shapes;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/** Argument checks shared by the image losses. */
final class ImageChecks {
    private ImageChecks() {}

    /** Both defined, 4-D float (N, C, H, W), same shape. */
    static void requirePair(Tensor a, Tensor b, String loss) {
        requireImage(a, loss);
        requireImage(b, loss);
        if (!Arrays.equals(a.sizes().vec().get(), b.sizes().vec().get())) {
            throw new IllegalArgumentException(
                    loss + ": images differ in shape: " + Shapes.describe(a) + " vs " + Shapes.describe(b));
        }
    }

    static void requireImage(Tensor a, String loss) {
        if (a == null || a.isNull() || !a.defined()) {
            throw new IllegalArgumentException(loss + ": image tensor is undefined");
        }
        if (a.dim() != 4 || !a.is_floating_point()) {
            throw new IllegalArgumentException(
                    loss + ": images must be float (N, C, H, W), got " + Shapes.describe(a) + " " + a.scalar_type());
        }
    }
}
