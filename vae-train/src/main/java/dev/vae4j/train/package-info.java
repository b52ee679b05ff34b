/**
 * The GAN/VAE training loop ({@link dev.vae4j.train.Trainer}, {@link dev.vae4j.train.TrainConfig}): objectives,
 * optimizers, learning-rate schedules, EMA, checkpoints with exact resume, and the listener interface.
 */
package dev.vae4j.train;
