package dev.vae4j.core.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one optimizer step did: the step number (1-based, completed), the learning rate, which networks were
 * updated, whether it was skipped for a non-finite loss or gradient, the logged loss terms (averaged over the
 * micro-batches; discriminator terms prefixed as the objective names them) and its wall time.
 *
 * @param step completed optimizer steps after this one
 * @param learningRate the autoencoder's learning rate used
 * @param generatorUpdated whether the autoencoder was updated
 * @param discriminatorUpdated whether the discriminator was updated
 * @param skipped whether the update was skipped (non-finite values)
 * @param terms logged loss terms by name
 * @param seconds wall time of the step
 */
public record StepReport(long step, double learningRate, boolean generatorUpdated, boolean discriminatorUpdated,
        boolean skipped, Map<String, Double> terms, double seconds) {
    /** Freezes the terms. */
    public StepReport {
        terms = Collections.unmodifiableMap(new LinkedHashMap<>(terms));
    }
}
