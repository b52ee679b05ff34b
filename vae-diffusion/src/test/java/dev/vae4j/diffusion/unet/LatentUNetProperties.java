package dev.vae4j.diffusion.unet;

import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.bytedeco.pytorch.global.torch.randint;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Invariants of the latent UNet: samples do not interact in a batch; the sinusoidal embedding is on the unit circle.
 */
class LatentUNetProperties {
    private static final LatentUNet MODEL;

    static {
        manual_seed(11);
        MODEL = new LatentUNet(LatentUNetTest.tiny(5, true));
    }

    @Property(tries = 10)
    void eachSampleIsPredictedAsIfAlone(@ForAll @IntRange(min = 0, max = 1_000_000) int seed) {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            manual_seed(seed);
            Tensor x = randn(3, 4, 8, 8);
            Tensor t = torch.rand(3).mul(new Scalar(500.0));
            Tensor labels = randint(5, new long[] {3});
            Tensor batch = MODEL.predict(x, t, labels);
            for (long i = 0; i < 3; i++) {
                Tensor alone = MODEL.predict(x.narrow(0, i, 1), t.narrow(0, i, 1), labels.narrow(0, i, 1));
                Fixtures.assertClose("sample " + i + " alone", batch.narrow(0, i, 1), alone, 1e-5);
            }
        }
    }

    @Property(tries = 50)
    void sinusoidalEmbeddingPairsLieOnTheUnitCircle(@ForAll @DoubleRange(min = 0, max = 1000) double step) {
        try (TensorScope scope = new TensorScope()) {
            Tensor t = torch.full(new long[] {1}, new Scalar(step)).to(ScalarType.Float);
            Tensor embedding = SinusoidalEmbedding.of(t, 16);
            assertEquals(16, embedding.size(1));
            Tensor sin = embedding.narrow(1, 0, 8);
            Tensor cos = embedding.narrow(1, 8, 8);
            double radius = sin.square()
                    .add(cos.square())
                    .sub(new Scalar(1.0))
                    .abs()
                    .max()
                    .item_double();
            assertTrue(radius < 1e-5, "sin^2 + cos^2 - 1 = " + radius);
            assertEquals(Math.sin(step), sin.select(1, 0).item_double(), 1e-3 * (1 + step * 1e-3));
        }
    }
}
