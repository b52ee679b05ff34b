package dev.vae4j.core.train;

import java.nio.file.Path;

/**
 * Observes a training run: progress display, metric logs, sample grids, validation. Called on the training
 * thread, outside the step's tensor scope; heavy work (validation, grids) should run only every N steps.
 */
public interface TrainingListener {
    /** Before the first step (after a resume, before the first new step). */
    default void onStart(TrainingRun run) {
    }

    /** After each optimizer step. */
    default void onStep(TrainingRun run, StepReport report) {
    }

    /** After a checkpoint was written to {@code checkpoint}. */
    default void onCheckpoint(TrainingRun run, Path checkpoint) {
    }

    /** After the last step and the final checkpoint. */
    default void onEnd(TrainingRun run) {
    }
}
