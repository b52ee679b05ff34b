/**
 * LiteVAE's high-frequency losses: the wavelet (Charbonnier over Haar detail bands) and Gaussian high-pass terms, over
 * images (N, C, H, W) in [-1, 1].
 */
package dev.vae4j.dwt.loss;
