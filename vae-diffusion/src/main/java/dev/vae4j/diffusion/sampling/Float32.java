package dev.vae4j.diffusion.sampling;

import static org.bytedeco.pytorch.global.torch.scalar_tensor;

import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Scalar float32 arithmetic as the references do it on 0-d float32 tensors: +, -, *, / and sqrt are correctly rounded
 * in Java too, but log and exp go through libtorch's own float kernels so that the coefficients agree bit for bit.
 */
final class Float32 {
    private Float32() {}

    /** Correctly rounded float32 square root ({@code x ** 0.5} of a float32 tensor). */
    static float sqrt(float x) {
        return (float) Math.sqrt(x);
    }

    /** {@code torch.log} of a float32 scalar. */
    static float log(float x) {
        try (TensorScope scope = new TensorScope()) {
            return scalar_tensor(new Scalar(x), new TensorOptions(ScalarType.Float))
                    .log()
                    .item_float();
        }
    }

    /** {@code torch.exp} of a float32 scalar. */
    static float exp(float x) {
        try (TensorScope scope = new TensorScope()) {
            return scalar_tensor(new Scalar(x), new TensorOptions(ScalarType.Float))
                    .exp()
                    .item_float();
        }
    }
}
