/**
 * AutoencoderTiny (TAESD): diffusers' {@code AutoencoderTiny} encoders and decoders for SD/SDXL, SD3/FLUX.1, FLUX.2 and
 * Sana latents, and the latent previews they give.
 */
package dev.vae4j.core.model.tiny;
