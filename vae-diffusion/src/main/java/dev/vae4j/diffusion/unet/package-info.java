/**
 * stanipov/pytorch-diffusion's latent UNet ({@code src/models/unet.py} at 705b007) as a
 * {@link dev.vae4j.diffusion.Denoiser}: {@link dev.vae4j.diffusion.unet.LatentUNetConfig} (its {@code unet_config} as
 * {@code set_unet} reads it, the {@code pytorch-diffusion-ldm} preset) and {@link dev.vae4j.diffusion.unet.LatentUNet}
 * (the model, parameters under upstream's state-dict keys). The blocks are package-private: they compute what
 * vae-core's stanipov blocks compute, but under upstream's Sequential/Residual/PreNorm names and with the time
 * embedding's scale and shift.
 */
package dev.vae4j.diffusion.unet;
