/**
 * Reconstruction evaluation of an autoencoder over an image set ({@link dev.vae4j.eval.ReconstructionEvaluator}): PSNR,
 * SSIM, LPIPS, rFID, latent statistics and worst reconstructions, once or periodically during training.
 */
package dev.vae4j.eval;
