/**
 * The Haar discrete wavelet transform and its inverse over (N, C, H, W) tensors, with the subband orders of PyWavelets
 * and torch-dwt; the subpackages build LiteVAE on it.
 */
package dev.vae4j.dwt;
