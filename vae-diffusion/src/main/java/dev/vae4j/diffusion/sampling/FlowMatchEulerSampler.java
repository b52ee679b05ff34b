package dev.vae4j.diffusion.sampling;

import dev.vae4j.diffusion.objective.FlowConvention;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Flow-matching Euler sampling as diffusers' {@code FlowMatchEulerDiscreteScheduler} does it with default settings and
 * a {@code shift} (SD3 uses 3.0): x_s = s eps + (1 - s) x0, the model predicts v ~ eps - x0, and each step is x +=
 * (sigma_next - sigma) v. The sigmas are diffusers': {@code linspace(sigma_max * T, sigma_min * T, N) / T} shifted s' =
 * k s / (1 + (k - 1) s) (sigma_min already shifted once by the constructor, as diffusers does), then 0; the denoiser
 * gets {@code sigma * T}. Stateless.
 *
 * <p>A model trained in SiT's convention ({@link FlowConvention#DATA_AT_ONE}: time {@code 1 - sigma}, target {@code x0
 * - eps}) is sampled on the same sigmas: it gets {@code (1 - sigma) * T} and its prediction is negated into {@code eps
 * - x0}, so the same Euler steps integrate SiT's ODE from noise to data.
 */
public final class FlowMatchEulerSampler implements Sampler {
    private final float[] sigmas;
    private final float[] timesteps;
    private final FlowConvention convention;

    /**
     * A sampler of {@code steps} steps over {@code trainTimesteps} (diffusers' {@code num_train_timesteps}, 1000), for
     * a model in diffusers' convention.
     *
     * @throws IllegalArgumentException when steps is below 1, trainTimesteps below 2 or shift not a positive number
     */
    public FlowMatchEulerSampler(int trainTimesteps, int steps, double shift) {
        this(trainTimesteps, steps, shift, FlowConvention.NOISE_AT_ONE);
    }

    /**
     * A sampler of {@code steps} steps over {@code trainTimesteps} for a model trained in {@code convention}.
     *
     * @throws IllegalArgumentException when steps is below 1, trainTimesteps below 2 or shift not a positive number
     */
    public FlowMatchEulerSampler(int trainTimesteps, int steps, double shift, FlowConvention convention) {
        if (trainTimesteps < 2) {
            throw new IllegalArgumentException("num_train_timesteps " + trainTimesteps + " is below the minimum of 2");
        }
        if (steps < 1) {
            throw new IllegalArgumentException("num_inference_steps " + steps + " is below 1");
        }
        if (!(shift > 0) || Double.isInfinite(shift)) {
            throw new IllegalArgumentException("shift " + shift + " is not a positive number");
        }
        double sigmaMax = shifted32(shift, (float) ((double) trainTimesteps / trainTimesteps));
        double sigmaMin = shifted32(shift, (float) (1.0 / trainTimesteps));
        double[] spaced = Linspace.of(sigmaMax * trainTimesteps, sigmaMin * trainTimesteps, steps);
        sigmas = new float[steps + 1];
        timesteps = new float[steps];
        for (int i = 0; i < steps; i++) {
            double sigma = spaced[i] / trainTimesteps;
            sigmas[i] = (float) (shift * sigma / (1 + (shift - 1) * sigma));
            float time = convention == FlowConvention.NOISE_AT_ONE ? sigmas[i] : 1f - sigmas[i];
            timesteps[i] = time * (float) trainTimesteps;
        }
        this.convention = convention;
    }

    /** The constructor's float32 shift of diffusers' {@code __init__}: shift * s / (1 + (shift - 1) * s). */
    private static float shifted32(double shift, float sigma) {
        return ((float) shift * sigma) / (1f + (float) (shift - 1) * sigma);
    }

    @Override
    public int numSteps() {
        return timesteps.length;
    }

    /** {@code sigma * T} of the step ({@code (1 - sigma) * T} in SiT's convention), float32. */
    @Override
    public double timestep(int step) {
        StepChecks.requireStep("flow-matching Euler", step, timesteps.length);
        return timesteps[step];
    }

    @Override
    public Tensor step(int step, Tensor modelOutput, Tensor latents) {
        Tensor velocity = StepChecks.prediction("flow-matching Euler", step, timesteps.length, modelOutput, latents);
        float dt = sigmas[step + 1] - sigmas[step];
        return latents.add(velocity.mul(new Scalar(convention == FlowConvention.NOISE_AT_ONE ? dt : -dt)));
    }
}
