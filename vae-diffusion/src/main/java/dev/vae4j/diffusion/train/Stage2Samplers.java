package dev.vae4j.diffusion.train;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;

import dev.vae4j.core.model.ConfigEnums;
import dev.vae4j.diffusion.objective.FlowConvention;
import dev.vae4j.diffusion.pipeline.SchedulerConfig;
import dev.vae4j.diffusion.sampling.FlowMatchEulerSampler;
import dev.vae4j.diffusion.sampling.NoiseSource;
import dev.vae4j.diffusion.sampling.PytorchDiffusionDdimSampler;
import dev.vae4j.diffusion.sampling.PytorchDiffusionDdpmSampler;
import dev.vae4j.diffusion.sampling.Sampler;
import dev.vae4j.diffusion.sampling.SamplerKind;

/**
 * The deterministic sampler that generates from a model trained with a {@link Stage2Recipe}'s objective: DDIM (eta 0)
 * on the recipe's diffusers schedule, as its {@code DiTPipeline} folder samples; Euler on the rectified-flow path (as
 * diffusers' {@code FlowMatchEulerDiscreteScheduler} samples; a {@code data_at_one} (SiT) model gets its own time and
 * its velocity's sign flipped); stanipov/pytorch-diffusion's DDIM (eta 0) on its cosine schedule. Other families that
 * fit the objective are chosen by name ({@link SamplerKind}).
 */
public final class Stage2Samplers {
    private Stage2Samplers() {}

    /**
     * A sampler of {@code steps} steps for {@code objective}.
     *
     * @throws IllegalArgumentException if steps is outside [1, T] (T the objective's training timesteps)
     */
    public static Sampler forObjective(Stage2Recipe.ObjectiveSpec objective, int steps) {
        return forObjective(objective, null, steps, 0.0, NoiseSource.of(createCPUGenerator(0)));
    }

    /**
     * A sampler of family {@code kind} (null: the objective's own, as {@link #forObjective(Stage2Recipe.ObjectiveSpec,
     * int)}) of {@code steps} steps for {@code objective}: Euler alone on a rectified flow; DDIM, DDPM or DPM-Solver++
     * on a diffusers schedule (its scheduler settings); DDIM or DDPM on pytorch-diffusion's cosine schedule (a stride
     * of T / steps). {@code eta} is DDIM's; stochastic samplers draw from {@code noise}.
     *
     * @throws IllegalArgumentException naming the sampler and the objective when they do not fit, for an eta that does
     *     not fit the family, or steps outside [1, T]
     */
    public static Sampler forObjective(
            Stage2Recipe.ObjectiveSpec objective, SamplerKind kind, int steps, double eta, NoiseSource noise) {
        if (steps < 1 || steps > objective.trainTimesteps()) {
            throw new IllegalArgumentException("sampler steps must be in [1, " + objective.trainTimesteps()
                    + "] (the objective's training timesteps), got " + steps);
        }
        if ("rectified_flow".equals(objective.type())) {
            if (kind != null && kind != SamplerKind.EULER) {
                throw new IllegalArgumentException(
                        "sampler " + kind + " does not fit a rectified_flow objective;" + " it is sampled with euler");
            }
            SamplerKind.EULER.requireEta(eta);
            return new FlowMatchEulerSampler(
                    objective.trainTimesteps(),
                    steps,
                    objective.shift(),
                    ConfigEnums.parse(FlowConvention.class, objective.flowConvention(), "flow_convention"));
        }
        SchedulerConfig scheduler = objective.scheduler();
        if (scheduler != null) {
            return scheduler.sampler(kind, steps, eta, noise);
        }
        SamplerKind chosen = kind != null ? kind : SamplerKind.DDIM;
        chosen.requireEta(eta);
        int stride = objective.trainTimesteps() / steps;
        return switch (chosen) {
            case DDIM -> new PytorchDiffusionDdimSampler(objective.schedule(), stride, eta, noise);
            case DDPM -> new PytorchDiffusionDdpmSampler(objective.schedule(), stride, noise);
            default ->
                throw new IllegalArgumentException("sampler " + chosen + " does not fit pytorch-diffusion's "
                        + objective.betaSchedule() + " schedule; it is sampled with ddim or ddpm");
        };
    }
}
