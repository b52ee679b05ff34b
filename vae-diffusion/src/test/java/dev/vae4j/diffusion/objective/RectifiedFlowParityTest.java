package dev.vae4j.diffusion.objective;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static dev.vae4j.diffusion.objective.ObjectiveFixtures.assertCloseScaled;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rectified flow against diffusers: {@code compute_density_for_timestep_sampling} from the same draws (and the same
 * draws from a generator seeded alike, exactly), {@code FlowMatchEulerDiscreteScheduler}'s shifted sigma grid, and the
 * training step of {@code train_dreambooth_sd3.py} (shift 3, the tiny denoiser standing in for the transformer) with
 * each {@code compute_loss_weighting_for_sd3} scheme: x_t, target, timesteps, weights, loss and gradients w.r.t. the
 * denoiser's weights in fp32 to 1e-6 absolute, scaled by the largest value where that exceeds 1 (timesteps reach 1000,
 * sigma^-2 weights 1e5).
 */
@Tag("parity")
class RectifiedFlowParityTest {
    private static final double TOLERANCE = 1e-6;
    private static final long SEED = 20261206L;

    @Test
    void timeDensitiesMatchDiffusersGivenTheSameDraws() {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> f = ObjectiveFixtures.load("flow.safetensors");
            Map<String, FlowTimeSampler> samplers = Map.of(
                    "logit_normal", FlowTimeSampler.logitNormal(0.3, 1.2),
                    "mode", FlowTimeSampler.mode(1.29),
                    "none", FlowTimeSampler.uniform());
            long[] seeds = {SEED + 10, SEED + 12, SEED + 14};
            String[] schemes = {"logit_normal", "mode", "none"};
            for (int i = 0; i < schemes.length; i++) {
                FlowTimeSampler sampler = samplers.get(schemes[i]);
                Generator generator = torch.make_generator_cpu();
                generator.set_current_seed(seeds[i]);
                Tensor draws = sampler.draws(64, generator);
                assertEquals(0.0, Fixtures.maxAbsDiff(f.get("draws_" + schemes[i]), draws), schemes[i] + " draws");
                assertClose("u " + schemes[i], f.get("u_" + schemes[i]), sampler.fromDraws(draws), TOLERANCE);
            }
        }
    }

    @Test
    void shiftedGridMatchesFlowMatchEulerDiscreteScheduler() {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> f = ObjectiveFixtures.load("flow.safetensors");
            // u = (i + 0.5) / 1000 picks grid point i
            Tensor u = torch.arange(new Scalar(1000))
                    .to(torch.ScalarType.Float)
                    .add(new Scalar(0.5))
                    .div(new Scalar(1000));
            for (double shift : new double[] {1.0, 3.0, 0.5}) {
                RectifiedFlowObjective objective =
                        RectifiedFlowObjective.builder().shift(shift).build();
                Tensor sigmas = objective.sigmas(u);
                assertClose("grid sigmas shift " + shift, f.get("grid_sigmas_shift" + shift), sigmas, TOLERANCE);
                assertCloseScaled(
                        "grid timesteps shift " + shift,
                        f.get("grid_timesteps_shift" + shift),
                        objective.modelTimesteps(sigmas),
                        TOLERANCE);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(FlowLossWeighting.class)
    void sd3TrainingStepAndItsGradients(FlowLossWeighting weighting) {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> f = ObjectiveFixtures.load("flow.safetensors");
            RectifiedFlowObjective objective = RectifiedFlowObjective.builder()
                    .shift(3.0)
                    .weighting(weighting)
                    .build();
            Tensor sigmas = objective.sigmas(f.get("u"));
            assertClose("sigmas", f.get("sigmas"), sigmas, TOLERANCE);
            TinyDenoiser denoiser = new TinyDenoiser(f);
            ObjectiveTerms terms = objective.compute(denoiser, f.get("x0"), f.get("labels"), sigmas, f.get("noise"));
            terms.loss().backward();
            String key = weighting.name().toLowerCase(Locale.ROOT);
            assertCloseScaled("timesteps", f.get("timesteps"), terms.timesteps(), TOLERANCE);
            assertClose("x_t", f.get("noisy"), terms.noisyLatents(), TOLERANCE);
            assertClose("target", f.get("target"), terms.target(), TOLERANCE);
            assertCloseScaled("weights " + key, f.get("weights_" + key), weighting.weights(sigmas), TOLERANCE);
            assertCloseScaled("loss " + key, f.get("loss_" + key), terms.loss().detach(), TOLERANCE);
            denoiser.assertGradients(key, f, "grad_" + key, TOLERANCE);
        }
    }
}
