/**
 * stanipov/pytorch-diffusion's latent UNet ({@code src/models/unet.py} at 705b007) as a
 * {@link dev.vae4j.diffusion.Denoiser}: {@link dev.vae4j.diffusion.unet.LatentUNetConfig} (its {@code unet_config} as
 * {@code set_unet} reads it, the {@code pytorch-diffusion-ldm} preset, its multiply-accumulate count) and
 * {@link dev.vae4j.diffusion.unet.LatentUNet} (the model, parameters under upstream's state-dict keys). The blocks are
 * package-private. The level attention is vae-core's {@code LinearAttention2D} with its layers registered under
 * upstream's names; the resnet blocks (with the time embedding's scale and shift), the mid attention and the resamplers
 * (any pooling kernel or interpolation factor, under upstream's Sequential indices) are this package's own, on
 * vae-core's weight-standardised convs.
 */
package dev.vae4j.diffusion.unet;
