package dev.vae4j.train;

import java.nio.file.Path;

/**
 * Observes a training run: progress display, metric logs, sample grids, validation. Called on the training thread,
 * outside the step's tensor scope; heavy work (validation, grids) should run only every N steps. {@link #onStep} comes
 * after every step with what the host knows; the loss terms, read from the device once per
 * {@link TrainConfig#logEvery()} steps (and at each checkpoint and the last step), come in {@link #onLog}, right before
 * the interval's last step's {@link #onStep}.
 */
public interface TrainingListener {
    /** Before the first step (after a resume, before the first new step). */
    default void onStart(TrainingRun run) {}

    /** After each optimizer step. */
    default void onStep(TrainingRun run, StepReport report) {}

    /** At the end of each log interval, with its averaged loss terms. */
    default void onLog(TrainingRun run, IntervalReport report) {}

    /** After a checkpoint was written to {@code checkpoint}. */
    default void onCheckpoint(TrainingRun run, Path checkpoint) {}

    /** After the last step and the final checkpoint. */
    default void onEnd(TrainingRun run) {}

    /**
     * Instead of {@link #onEnd} when the run stopped early on a {@link StopRequest}: after the step reached and its
     * checkpoint {@code checkpoint} (null on ranks other than 0, which write none).
     */
    default void onStop(TrainingRun run, Path checkpoint) {}
}
