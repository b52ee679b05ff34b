package dev.vae4j.diffusion.objective;

import static dev.vae4j.diffusion.objective.ObjectiveFixtures.assertCloseScaled;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.PredictionType;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * diffusers' {@code DDPMScheduler.add_noise}, {@code get_velocity}, {@code step(...).pred_original_sample} (x0 from
 * each prediction type), {@code DPMSolverMultistepScheduler.convert_model_output} (epsilon from each) and
 * {@code compute_snr} on the linear 1000-step schedule, in fp32, absolute differences scaled by the largest expected
 * value where that exceeds 1 (x0 from eps at t = 900 reaches 225). diffusers computes alphas_cumprod and {@code 1 - ab}
 * in float32, vae4j in float64, hence: add_noise and velocity to 2e-6 (6.3e-7 apart); conversions to 1e-5 (DPM-Solver
 * derives alpha_t, sigma_t from {@code sqrt((1 - ab) / ab)} in float32: 1.2e-6 apart at t = 100); SNR to 1e-3 relative
 * (2e-4 apart near t = 0, where {@code 1 - ab = 1e-4} keeps 3 float32 digits).
 */
@Tag("parity")
class ForwardProcessParityTest {
    private static final double TOLERANCE = 2e-6;
    private static final double CONVERSION_TOLERANCE = 1e-5;

    @Test
    void addNoiseVelocityAndSnrMatchDiffusers() {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> f = ObjectiveFixtures.load("discrete.safetensors");
            ForwardProcess process = new ForwardProcess(ObjectiveFixtures.schedule(f.get("betas_linear")));
            Tensor t = f.get("timesteps");
            assertCloseScaled("add_noise", f.get("noisy"), process.addNoise(f.get("x0"), f.get("noise"), t), TOLERANCE);
            assertCloseScaled(
                    "get_velocity", f.get("velocity"), process.velocity(f.get("x0"), f.get("noise"), t), TOLERANCE);
            Tensor snr = process.snr(t);
            assertCloseScaled("compute_snr / snr", f.get("snr").div(snr), snr.div(snr), 1e-3);
        }
    }

    @Test
    void conversionsMatchDiffusersSchedulers() {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> f = ObjectiveFixtures.load("discrete.safetensors");
            ForwardProcess process = new ForwardProcess(ObjectiveFixtures.schedule(f.get("betas_linear")));
            Tensor t = f.get("conversion_timesteps");
            Tensor noisy = f.get("conversion_noisy");
            Tensor output = f.get("model_output");
            for (PredictionType type : PredictionType.values()) {
                String name = type.configName();
                assertCloseScaled(
                        "sample_from_" + name,
                        f.get("sample_from_" + name),
                        process.toSample(type, output, noisy, t),
                        CONVERSION_TOLERANCE);
                assertCloseScaled(
                        "epsilon_from_" + name,
                        f.get("epsilon_from_" + name),
                        process.toEpsilon(type, output, noisy, t),
                        CONVERSION_TOLERANCE);
            }
        }
    }
}
