package dev.vae4j.diffusion.sampling;

import dev.vae4j.diffusion.schedule.NoiseSchedule;

/**
 * pytorch-diffusion's timestep walk: {@code seq = range(0, T, skip)} visited in reverse, each step's next timestep the
 * one below it (-1 after 0), and alpha-bar taken as {@code compute_alpha} does (alpha-bar_t, 1 at -1).
 */
final class SkipSequence {
    private final NoiseSchedule schedule;
    private final int skip;
    private final int steps;

    SkipSequence(NoiseSchedule schedule, int skip) {
        if (skip < 1 || skip > schedule.trainTimesteps()) {
            throw new IllegalArgumentException(
                    "skip " + skip + " is outside [1, " + schedule.trainTimesteps() + "] (the schedule's timesteps)");
        }
        this.schedule = schedule;
        this.skip = skip;
        this.steps = (schedule.trainTimesteps() + skip - 1) / skip;
    }

    int steps() {
        return steps;
    }

    /** The timestep of step {@code step}: {@code seq[steps - 1 - step]}. */
    int timestep(int step) {
        return (steps - 1 - step) * skip;
    }

    /** alpha-bar of the step's timestep. */
    float alpha(int step) {
        return schedule.alphaCumprod(timestep(step));
    }

    /** alpha-bar of the timestep after the step (1 after the last). */
    float alphaNext(int step) {
        return step == steps - 1 ? 1f : schedule.alphaCumprod(timestep(step + 1));
    }
}
