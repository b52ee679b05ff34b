/**
 * Stage 2 of latent diffusion, the model an autoencoder's latents exist for: noise schedules, training objectives,
 * samplers, and the denoisers (DiT, the latent UNet) behind the {@link dev.vae4j.diffusion.Denoiser} contract that
 * every sampler and objective uses.
 */
package dev.vae4j.diffusion;
