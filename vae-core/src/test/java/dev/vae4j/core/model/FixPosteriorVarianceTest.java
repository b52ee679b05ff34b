package dev.vae4j.core.model;

import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.TestModels;
import java.nio.file.Path;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link AutoencoderKL#fixPosteriorVariance}: a constant log-variance, unchanged means, kept through save/load. */
class FixPosteriorVarianceTest {
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theLogVarianceBecomesConstantAndTheMeansStay(boolean quantConvs, @TempDir Path dir) {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            AutoencoderKL model = new AutoencoderKL(
                    TestModels.autoencoderKL().quantConvs(quantConvs).build());
            Tensor images = randn(2, 3, 16, 16);
            DiagonalGaussian before = model.encode(images);
            Tensor mean = before.mean().clone();
            assertTrue(before.logvar().sub(before.logvar().mean()).abs().max().item_float() > 1e-3);

            model.fixPosteriorVariance(1e-4);
            model.save(dir);
            DiagonalGaussian after = AutoencoderKL.fromPretrained(dir).encode(images);

            assertEquals(0f, after.mean().sub(mean).abs().max().item_float(), 1e-6f);
            assertEquals(
                    0f,
                    after.logvar().sub(new Scalar(Math.log(1e-4))).abs().max().item_float(),
                    1e-5f);
        }
    }

    @Test
    void refusesNonPositiveVariancesAndPosteriorsWithoutVariance() {
        try (TensorScope scope = new TensorScope()) {
            AutoencoderKL gaussian =
                    new AutoencoderKL(TestModels.autoencoderKL().build());
            for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
                IllegalArgumentException e =
                        assertThrows(IllegalArgumentException.class, () -> gaussian.fixPosteriorVariance(bad));
                assertTrue(e.getMessage().contains("is not a finite number > 0"), e.getMessage());
            }
            AutoencoderKL meansOnly = new AutoencoderKL(TestModels.autoencoderKL()
                    .options(ArchitectureOptions.builder()
                            .latentSampling(ArchitectureOptions.LatentSampling.ADDITIVE)
                            .build())
                    .build());
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> meansOnly.fixPosteriorVariance(1e-4));
            assertTrue(e.getMessage().contains("latent_sampling"), e.getMessage());
        }
    }
}
