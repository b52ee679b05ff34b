package dev.vae4j.diffusion.train;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;

import dev.vae4j.core.model.ConfigEnums;
import dev.vae4j.diffusion.objective.FlowConvention;
import dev.vae4j.diffusion.pipeline.SchedulerConfig;
import dev.vae4j.diffusion.sampling.FlowMatchEulerSampler;
import dev.vae4j.diffusion.sampling.NoiseSource;
import dev.vae4j.diffusion.sampling.PytorchDiffusionDdimSampler;
import dev.vae4j.diffusion.sampling.Sampler;

/**
 * The deterministic sampler that generates from a model trained with a {@link Stage2Recipe}'s objective: DDIM (eta 0)
 * on the recipe's diffusers schedule, as its {@code DiTPipeline} folder samples; Euler on the rectified-flow path (as
 * diffusers' {@code FlowMatchEulerDiscreteScheduler} samples; a {@code data_at_one} (SiT) model gets its own time and
 * its velocity's sign flipped); stanipov/pytorch-diffusion's DDIM (eta 0) on its cosine schedule.
 */
public final class Stage2Samplers {
    private Stage2Samplers() {}

    /**
     * A sampler of {@code steps} steps for {@code objective}.
     *
     * @throws IllegalArgumentException if steps is outside [1, T] (T the objective's training timesteps)
     */
    public static Sampler forObjective(Stage2Recipe.ObjectiveSpec objective, int steps) {
        if (steps < 1 || steps > objective.trainTimesteps()) {
            throw new IllegalArgumentException("sampler steps must be in [1, " + objective.trainTimesteps()
                    + "] (the objective's training timesteps), got " + steps);
        }
        if ("rectified_flow".equals(objective.type())) {
            return new FlowMatchEulerSampler(
                    objective.trainTimesteps(),
                    steps,
                    objective.shift(),
                    ConfigEnums.parse(FlowConvention.class, objective.flowConvention(), "flow_convention"));
        }
        NoiseSource none = NoiseSource.of(createCPUGenerator(0));
        SchedulerConfig scheduler = objective.scheduler();
        if (scheduler != null) {
            return scheduler.sampler(steps, none);
        }
        return new PytorchDiffusionDdimSampler(objective.schedule(), objective.trainTimesteps() / steps, 0.0, none);
    }
}
