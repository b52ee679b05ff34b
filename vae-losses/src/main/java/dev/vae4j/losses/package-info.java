/**
 * Losses and training objectives of latent autoencoders: KL, pixel, pooled and low-pass MSE, LPIPS, GAN losses and
 * regularisers, LDM's adaptive weight, and the VAE-GAN and gradient-normalised objectives the trainer runs.
 */
package dev.vae4j.losses;
