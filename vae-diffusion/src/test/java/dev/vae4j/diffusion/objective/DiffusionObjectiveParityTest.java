package dev.vae4j.diffusion.objective;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.diffusion.PredictionType;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The discrete-time objective on the fixture's tiny denoiser against stanipov/pytorch-diffusion's own
 * {@code Diffusion.q_sample} / {@code get_loss} (500-step cosine schedule, l2 / l1 / huber) and a diffusers-style
 * v-prediction min-SNR step (linear 1000-step schedule): loss values and gradients w.r.t. the denoiser's weights in
 * fp32 to 1e-6 absolute; x_t ({@code q_sample}) to 1e-5, since pytorch-diffusion takes alphas_cumprod as a float32
 * cumprod of 500 terms and vae4j in float64 (2.3e-6 apart at t = 499); the seeded draw's loss to 1e-5. A CPU generator
 * seeded like the fixture's {@code torch.Generator} draws the same timesteps and noise (exactly).
 */
@Tag("parity")
class DiffusionObjectiveParityTest {
    private static final double TOLERANCE = 1e-6;
    private static final double Q_SAMPLE_TOLERANCE = 1e-5;

    @ParameterizedTest
    @EnumSource(RegressionLoss.class)
    void pytorchDiffusionGetLossAndItsGradients(RegressionLoss loss) {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> d = ObjectiveFixtures.load("discrete.safetensors");
            Map<String, Tensor> f = ObjectiveFixtures.load("objective.safetensors");
            DiffusionObjective objective = DiffusionObjective.builder(
                            ObjectiveFixtures.schedule(d.get("betas_cosine_500")))
                    .loss(loss)
                    .build();
            TinyDenoiser denoiser = new TinyDenoiser(f);
            ObjectiveTerms terms =
                    objective.compute(denoiser, f.get("x0"), f.get("labels"), f.get("timesteps"), f.get("noise"));
            terms.loss().backward();
            String key = loss.name().toLowerCase(Locale.ROOT);
            assertClose("q_sample", f.get("noisy"), terms.noisyLatents(), Q_SAMPLE_TOLERANCE);
            assertClose("get_loss " + key, f.get("loss_" + key), terms.loss().detach(), TOLERANCE);
            denoiser.assertGradients("get_loss " + key, f, "grad_" + key, TOLERANCE);
        }
    }

    @Test
    void diffusersStyleVPredictionMinSnrStep() {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> d = ObjectiveFixtures.load("discrete.safetensors");
            Map<String, Tensor> f = ObjectiveFixtures.load("objective.safetensors");
            DiffusionObjective objective = DiffusionObjective.builder(ObjectiveFixtures.schedule(d.get("betas_linear")))
                    .predictionType(PredictionType.V_PREDICTION)
                    .minSnrGamma(5.0)
                    .build();
            TinyDenoiser denoiser = new TinyDenoiser(f);
            ObjectiveTerms terms =
                    objective.compute(denoiser, f.get("x0"), f.get("labels"), f.get("v_timesteps"), f.get("noise"));
            terms.loss().backward();
            assertClose("v min-SNR loss", f.get("loss_v_min_snr"), terms.loss().detach(), TOLERANCE);
            denoiser.assertGradients("v min-SNR", f, "grad_v_min_snr", TOLERANCE);
        }
    }

    @Test
    void aSeededGeneratorDrawsWhatTorchDraws() {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> d = ObjectiveFixtures.load("discrete.safetensors");
            Map<String, Tensor> f = ObjectiveFixtures.load("objective.safetensors");
            DiffusionObjective objective = DiffusionObjective.builder(
                            ObjectiveFixtures.schedule(d.get("betas_cosine_500")))
                    .build();
            Generator generator = torch.make_generator_cpu();
            generator.set_current_seed(20261206L + 1);
            ObjectiveTerms terms = objective.compute(new TinyDenoiser(f), f.get("x0"), f.get("labels"), generator);
            assertEquals(
                    0.0,
                    f.get("seeded_timesteps")
                            .to(torch.ScalarType.Float)
                            .sub(terms.timesteps())
                            .abs()
                            .max()
                            .item_double(),
                    "seeded timesteps");
            assertEquals(0.0, Fixtures.maxAbsDiff(f.get("seeded_noise"), terms.noise()), "seeded noise");
            assertClose(
                    "seeded get_loss l2", f.get("seeded_loss_l2"), terms.loss().detach(), 1e-5);
        }
    }
}
