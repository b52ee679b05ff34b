package dev.vae4j.diffusion.sampling;

import dev.vae4j.diffusion.schedule.NoiseSchedule;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * What stanipov/pytorch-diffusion's two samplers share: the walk over {@code range(0, T, skip)} ({@link SkipSequence})
 * and a noise source drawn at every step.
 */
abstract class SkipSequenceSampler implements Sampler {
    /** The walk. */
    final SkipSequence sequence;
    /** Where the per-step noise comes from. */
    final NoiseSource noise;

    private final String name;

    SkipSequenceSampler(String name, NoiseSchedule schedule, int skip, NoiseSource noise) {
        this.name = name;
        this.sequence = new SkipSequence(Objects.requireNonNull(schedule, "schedule"), skip);
        this.noise = Objects.requireNonNull(noise, "noise");
    }

    @Override
    public int numSteps() {
        return sequence.steps();
    }

    @Override
    public double timestep(int step) {
        StepChecks.requireStep(name, step, sequence.steps());
        return sequence.timestep(step);
    }

    /** The epsilon prediction of step {@code step}, checked against the latents. */
    final Tensor epsilon(int step, Tensor modelOutput, Tensor latents) {
        return StepChecks.prediction(name, step, sequence.steps(), modelOutput, latents);
    }
}
