package dev.vae4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.tensor.TensorScope;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** The two constant-variance samplings are exactly {@code z * (1 + s * eps)} and {@code z + s * eps}. */
class ConstantVarianceProperties {
    @Property(tries = 50)
    void multiplicativeSampleIsRelativeNoise(
            @ForAll @DoubleRange(min = -50, max = 50) double z,
            @ForAll @DoubleRange(min = -4, max = 4) double eps,
            @ForAll @DoubleRange(min = 0, max = 1) double s) {
        try (TensorScope scope = new TensorScope()) {
            Tensor mean = torch.full(new long[] {1, 1, 1, 1}, new Scalar(z));
            Tensor noise = torch.full(new long[] {1, 1, 1, 1}, new Scalar(eps));
            double sample =
                    DiagonalGaussian.multiplicative(mean, s).sample(noise).item_double();
            assertEquals((float) z * (1 + (float) s * (float) eps), sample, 1e-4 * (1 + Math.abs(z)));
        }
    }

    @Property(tries = 50)
    void additiveSampleIsAbsoluteNoise(
            @ForAll @DoubleRange(min = -50, max = 50) double z,
            @ForAll @DoubleRange(min = -4, max = 4) double eps,
            @ForAll @DoubleRange(min = 0.01, max = 1) double s) {
        try (TensorScope scope = new TensorScope()) {
            Tensor mean = torch.full(new long[] {1, 1, 1, 1}, new Scalar(z));
            Tensor noise = torch.full(new long[] {1, 1, 1, 1}, new Scalar(eps));
            double sample =
                    DiagonalGaussian.fixedVariance(mean, s * s).sample(noise).item_double();
            assertEquals(z + s * eps, sample, 1e-4 * (1 + Math.abs(z)));
        }
    }
}
