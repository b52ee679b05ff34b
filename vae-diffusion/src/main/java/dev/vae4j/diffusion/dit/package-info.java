/**
 * DiT, the class-conditional latent diffusion transformer, as diffusers' {@code DiTTransformer2DModel} builds it:
 * {@link dev.vae4j.diffusion.dit.DiT} (a {@link dev.vae4j.diffusion.Denoiser}) and its {@link DiTConfig} (presets,
 * parameter and multiply-accumulate counts computed from the config).
 */
package dev.vae4j.diffusion.dit;
