package dev.vae4j.core.model;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.bytedeco.pytorch.global.torch.randn;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.TestModels;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link LatentNormalizer} follows the diffusers pipelines' formulas and inverts exactly. */
@Tag("parity")
class LatentNormalizerTest {
    @Test
    void shiftAndScaleMatchThePipelines() {
        try (TensorScope scope = new TensorScope()) {
            LatentNormalizer flux = new AutoencoderKL(AutoencoderKLTest.modelConfig()).latentNormalizer();
            Tensor z = randn(2, 4, 3, 5);
            Tensor expected = z.sub(new Scalar(0.25)).mul(new Scalar(0.5));
            assertClose("normalize", expected, flux.normalize(z), 1e-6);
            assertClose("round trip", z, flux.denormalize(flux.normalize(z)), 1e-6);
        }
    }

    @Test
    void perChannelStatisticsReplaceTheShift() {
        AutoencoderKLConfig withStats = TestModels.autoencoderKL()
                .scaling(0.5, null)
                .latentStatistics(List.of(0.1, 0.2, 0.3, 0.4), List.of(1.0, 2.0, 4.0, 8.0))
                .forceUpcast(false)
                .build();
        try (TensorScope scope = new TensorScope()) {
            LatentNormalizer normalizer = LatentNormalizer.of(withStats);
            Tensor z = randn(1, 4, 2, 2);
            Tensor mean = org.bytedeco
                    .pytorch
                    .global
                    .torch
                    .tensor(0.1f, 0.2f, 0.3f, 0.4f)
                    .view(1, 4, 1, 1);
            Tensor std =
                    org.bytedeco.pytorch.global.torch.tensor(1f, 2f, 4f, 8f).view(1, 4, 1, 1);
            assertClose("per-channel", z.sub(mean).mul(new Scalar(0.5)).div(std), normalizer.normalize(z), 1e-6);
            assertClose("per-channel round trip", z, normalizer.denormalize(normalizer.normalize(z)), 1e-6);
        }
    }
}
