package dev.vae4j.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The loss terms of one log interval, read from the device once: steps {@code firstStep..lastStep} (1-based,
 * inclusive). Each term is its mean over the interval's steps that logged it and were not skipped (a term a step did
 * not log, such as the discriminator's before it starts, does not dilute the mean), each step's value being the mean
 * over its micro-batches, then averaged over the ranks of a data-parallel job. A term no step logged is absent.
 *
 * @param firstStep first step of the interval
 * @param lastStep last step of the interval (the record's step)
 * @param learningRate the autoencoder's learning rate of the last step
 * @param terms mean loss terms by name (unmodifiable)
 * @param skippedSteps steps of the interval skipped for non-finite values
 * @param seconds summed wall time of the interval's steps
 * @param peakCudaBytes the CUDA caching allocator's peak allocated bytes since the start, or -1 off CUDA
 */
public record IntervalReport(
        long firstStep,
        long lastStep,
        double learningRate,
        Map<String, Double> terms,
        int skippedSteps,
        double seconds,
        long peakCudaBytes) {
    /** Freezes the terms. */
    public IntervalReport {
        terms = Collections.unmodifiableMap(new LinkedHashMap<>(terms));
    }

    /** Steps in the interval. */
    public long steps() {
        return lastStep - firstStep + 1;
    }
}
