package dev.vae4j.core.model;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.full;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.bytedeco.pytorch.global.torch.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link DiagonalGaussian}: clamping, seeded sampling, constant variance and the closed forms. */
@Tag("parity")
class DiagonalGaussianTest {
    @Test
    void logvarIsClampedToTheDiffusersRange() {
        try (TensorScope scope = new TensorScope()) {
            Tensor moments =
                    cat(new TensorVector(zeros(1, 2, 2, 2), full(new long[] {1, 2, 2, 2}, new Scalar(100.0))), 1);
            DiagonalGaussian high = DiagonalGaussian.fromMoments(moments);
            assertEquals(DiagonalGaussian.LOGVAR_MAX, high.logvar().max().item_double());
            Tensor low = cat(new TensorVector(zeros(1, 2, 2, 2), full(new long[] {1, 2, 2, 2}, new Scalar(-100.0))), 1);
            assertEquals(
                    DiagonalGaussian.LOGVAR_MIN,
                    DiagonalGaussian.fromMoments(low).logvar().min().item_double());
        }
    }

    @Test
    void samplingIsReproducibleBySeed() {
        try (TensorScope scope = new TensorScope()) {
            DiagonalGaussian posterior = DiagonalGaussian.fromMoments(randn(2, 8, 4, 4));
            Tensor a = posterior.sample(createCPUGenerator(7));
            Tensor b = posterior.sample(createCPUGenerator(7));
            Tensor c = posterior.sample(createCPUGenerator(8));
            assertClose("same seed", a, b, 0.0);
            assertTrue(a.sub(c).abs().max().item_double() > 1e-3, "different seeds must differ");
            Tensor noise = a.sub(posterior.mean()).div(posterior.std());
            assertClose("noise is standard normal-ish", noise.mean(), zeros(), 0.5);
        }
    }

    @Test
    void constantVarianceUsesTheFixedVariance() {
        try (TensorScope scope = new TensorScope()) {
            Tensor mean = randn(2, 4, 3, 3);
            DiagonalGaussian fixed = DiagonalGaussian.fixedVariance(mean, 0.1);
            assertClose("var", full(new long[] {2, 4, 3, 3}, new Scalar(0.1)), fixed.var(), 1e-7);
            Tensor noise = randn(2, 4, 3, 3);
            assertClose("sample", mean.add(noise.mul(new Scalar(Math.sqrt(0.1)))), fixed.sample(noise), 1e-6);
            assertThrows(IllegalArgumentException.class, () -> DiagonalGaussian.fixedVariance(mean, 0.0));
        }
    }

    @Test
    void klOfTheStandardNormalIsZeroAndOfItselfIsZero() {
        try (TensorScope scope = new TensorScope()) {
            DiagonalGaussian standard = DiagonalGaussian.fromMoments(zeros(3, 8, 2, 2));
            assertClose("kl(N(0,1))", zeros(3), standard.kl(), 0.0);
            DiagonalGaussian any = DiagonalGaussian.fromMoments(randn(3, 8, 2, 2));
            assertClose("kl(q||q)", zeros(3), any.kl(any), 1e-6);
            assertThrows(IllegalArgumentException.class, () -> DiagonalGaussian.fromMoments(randn(1, 3, 2, 2)));
        }
    }
}
