package dev.vae4j.train;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The loop's counters saved with every checkpoint (everything else is a function of the step).
 *
 * @param step optimizer steps completed
 * @param skippedSteps steps skipped for a non-finite loss or gradient, in total
 * @param nonFiniteInARow consecutive skipped steps at the time of saving
 * @param seconds wall-clock training time so far
 * @param samples images consumed by all ranks together: the global data-stream position the run continues from
 */
public record TrainingState(
        @JsonProperty("step") long step,
        @JsonProperty("skipped_steps") long skippedSteps,
        @JsonProperty("non_finite_in_a_row") int nonFiniteInARow,
        @JsonProperty("seconds") double seconds,
        @JsonProperty("samples") long samples) {

    /** The state of a fresh run. */
    public static TrainingState start() {
        return new TrainingState(0, 0, 0, 0.0, 0);
    }
}
