package dev.vae4j.diffusion.objective;

import org.bytedeco.pytorch.Tensor;

/**
 * One evaluation of a training objective on a batch of N clean latents (N, C, H, W).
 *
 * @param loss the scalar loss, differentiable w.r.t. the denoiser's parameters
 * @param timesteps (N) float, the timesteps handed to the denoiser (integer steps of a discrete schedule, {@code sigma
 *     * T} for rectified flow)
 * @param noise (N, C, H, W) the Gaussian noise
 * @param noisyLatents (N, C, H, W) the denoiser's input x_t
 * @param prediction (N, C, H, W) the denoiser's prediction (learned-variance channels dropped)
 * @param target (N, C, H, W) what the prediction is regressed on
 */
public record ObjectiveTerms(
        Tensor loss, Tensor timesteps, Tensor noise, Tensor noisyLatents, Tensor prediction, Tensor target) {}
