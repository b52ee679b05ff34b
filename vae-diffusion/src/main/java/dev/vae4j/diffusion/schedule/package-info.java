/**
 * Noise schedules of discrete-time diffusion: the betas of diffusers' {@code DDPMScheduler} / {@code DDIMScheduler}
 * ({@link dev.vae4j.diffusion.schedule.BetaSchedule}) and of stanipov/pytorch-diffusion's {@code get_betas}
 * ({@link dev.vae4j.diffusion.schedule.PytorchDiffusionSchedule}), with the zero-terminal-SNR rescale, held by
 * {@link dev.vae4j.diffusion.schedule.NoiseSchedule}.
 */
package dev.vae4j.diffusion.schedule;
