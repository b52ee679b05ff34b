/**
 * Image-quality metrics as the references compute them: PSNR and SSIM (skimage, pytorch-msssim), and the Frechet
 * distance of feature statistics (pytorch-fid), gathered over ranks.
 */
package dev.vae4j.train.metrics;
