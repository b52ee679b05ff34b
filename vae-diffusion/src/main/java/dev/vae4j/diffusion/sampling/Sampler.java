package dev.vae4j.diffusion.sampling;

import org.bytedeco.pytorch.Tensor;

/**
 * A fixed sequence of denoising steps from noise to clean latents. Step {@code i} (0-based, in sampling order) hands
 * {@link #timestep(int)} to the denoiser and turns its prediction into the latents of the next step.
 *
 * <p>Samplers whose update depends only on the step are stateless and accept any step; multistep samplers remember
 * earlier model outputs and must be stepped 0, 1, 2, ... (step 0 starts a new trajectory).
 */
public interface Sampler {

    /** Number of steps. */
    int numSteps();

    /**
     * The timestep handed to the denoiser at step {@code step}, in the denoiser's units (an integer training timestep
     * 0..T-1 for discrete schedules, {@code sigma * 1000} for flow matching).
     *
     * @throws IllegalArgumentException when {@code step} is outside [0, numSteps)
     */
    double timestep(int step);

    /**
     * The latents after step {@code step}: {@code latents} (N, C, H, W) float are the current ones, {@code modelOutput}
     * (N, C', H, W) the denoiser's prediction for them at {@link #timestep(int)}; with C' > C only the first C channels
     * are read (a learned variance is ignored). Returns a new (N, C, H, W) tensor.
     *
     * @throws IllegalArgumentException when {@code step} is outside [0, numSteps) or the shapes do not fit
     * @throws IllegalStateException when a multistep sampler is stepped out of order
     */
    Tensor step(int step, Tensor modelOutput, Tensor latents);
}
