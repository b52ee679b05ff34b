/**
 * Samplers that turn noise into latents with a {@link dev.vae4j.diffusion.Denoiser}: diffusers' DDPM, DDIM,
 * flow-matching Euler and DPM-Solver++ (2M) schedulers and stanipov/pytorch-diffusion's {@code generalized_steps} and
 * {@code ddpm_steps}, each a {@link dev.vae4j.diffusion.sampling.Sampler}; classifier-free guidance as a
 * {@link dev.vae4j.diffusion.Denoiser} wrapper; and {@link dev.vae4j.diffusion.sampling.SamplingLoop}, which runs one
 * with flat memory.
 */
package dev.vae4j.diffusion.sampling;
