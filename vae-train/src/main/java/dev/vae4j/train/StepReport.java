package dev.vae4j.train;

/**
 * What one optimizer step did, known on the host without reading any device value beyond the step's non-finite check:
 * the step number (1-based, completed), the learning rate, which networks were updated, whether it was skipped for a
 * non-finite loss or gradient, and its wall time (host time to enqueue the step: on CUDA the device may still be
 * working on it). The loss terms come once per log interval in an {@link IntervalReport}.
 *
 * @param step completed optimizer steps after this one
 * @param learningRate the autoencoder's learning rate used
 * @param generatorUpdated whether the autoencoder was updated
 * @param discriminatorUpdated whether the discriminator was updated
 * @param skipped whether the update was skipped (non-finite values)
 * @param seconds wall time of the step
 */
public record StepReport(
        long step,
        double learningRate,
        boolean generatorUpdated,
        boolean discriminatorUpdated,
        boolean skipped,
        double seconds) {}
