package dev.vae4j.train;

import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.model.TrainableAutoencoder;
import java.nio.file.Path;

/**
 * The read-only view of a run that listeners get.
 *
 * @param model the autoencoder being trained, or null when the run trains something else (a stage-2 denoiser)
 * @param discriminator the discriminator, or null
 * @param ema the EMA of the trained model's weights, or null
 * @param config the loop configuration
 * @param runDir the run folder
 * @param state the counters after the latest step
 * @param skippedFiles unreadable images skipped so far
 */
public record TrainingRun(
        TrainableAutoencoder model,
        Discriminator discriminator,
        ExponentialMovingAverage ema,
        TrainConfig config,
        Path runDir,
        TrainingState state,
        long skippedFiles) {}
