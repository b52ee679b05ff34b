/**
 * LiteVAE: the wavelet encoder, the SMC decoder, their config and presets, and the model-folder format that
 * {@code AutoencoderFormat} loads.
 */
package dev.vae4j.dwt.model;
