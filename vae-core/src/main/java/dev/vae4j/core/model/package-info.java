/**
 * Latent autoencoders and their contracts: {@link dev.vae4j.core.model.Autoencoder}, diffusers' AutoencoderKL with its
 * config and presets, latent distributions and normalisers, tiled encode/decode and the model-folder formats.
 */
package dev.vae4j.core.model;
