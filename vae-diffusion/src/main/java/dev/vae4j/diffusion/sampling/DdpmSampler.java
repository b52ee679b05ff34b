package dev.vae4j.diffusion.sampling;

import dev.vae4j.diffusion.schedule.NoiseSchedule;
import java.util.Objects;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Ancestral DDPM sampling as diffusers' {@code DDPMScheduler.step} does it with {@code variance_type="fixed_small"} (no
 * thresholding): x0 from the prediction (clamped with {@code clip_sample}), the posterior mean of q(x_prev | x_t, x0),
 * plus sqrt(posterior variance) times fresh noise whenever the timestep is above 0. The previous timestep is the next
 * one of the inference sequence (-1 after the last, where alpha-bar is 1). Stateless.
 */
public final class DdpmSampler implements Sampler {
    private final NoiseSchedule schedule;
    private final DiffusersSchedulerOptions options;
    private final int[] timesteps;
    private final NoiseSource noise;

    /**
     * A sampler of {@code steps} steps ({@code set_timesteps(steps)}).
     *
     * @throws IllegalArgumentException when steps is outside [1, T] or a timestep falls outside the schedule
     */
    public DdpmSampler(NoiseSchedule schedule, int steps, DiffusersSchedulerOptions options, NoiseSource noise) {
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.options = Objects.requireNonNull(options, "options");
        this.noise = Objects.requireNonNull(noise, "noise");
        this.timesteps = options.timestepSpacing().timesteps(schedule.trainTimesteps(), steps, options.stepsOffset());
    }

    @Override
    public int numSteps() {
        return timesteps.length;
    }

    @Override
    public double timestep(int step) {
        StepChecks.requireStep("DDPM", step, timesteps.length);
        return timesteps[step];
    }

    @Override
    public Tensor step(int step, Tensor modelOutput, Tensor latents) {
        Tensor output = StepChecks.prediction("DDPM", step, timesteps.length, modelOutput, latents);
        int t = timesteps[step];
        int prevT = step == timesteps.length - 1 ? -1 : timesteps[step + 1];
        float alphaProd = schedule.alphaCumprod(t);
        float alphaProdPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : 1f;
        float betaProd = 1f - alphaProd;
        float betaProdPrev = 1f - alphaProdPrev;
        float currentAlpha = alphaProd / alphaProdPrev;
        float currentBeta = 1f - currentAlpha;

        Tensor original = Predictions.originalSample(options.predictionType(), output, latents, alphaProd);
        if (options.clipSample()) {
            original = Predictions.clip(original, options.clipSampleRange());
        }
        float originalCoeff = (Float32.sqrt(alphaProdPrev) * currentBeta) / betaProd;
        float currentCoeff = Float32.sqrt(currentAlpha) * betaProdPrev / betaProd;
        Tensor previous = original.mul(new Scalar(originalCoeff)).add(latents.mul(new Scalar(currentCoeff)));
        if (t > 0) {
            Tensor variance = noise.normalLike(output);
            float fixedSmall = Math.max((1f - alphaProdPrev) / (1f - alphaProd) * currentBeta, (float) 1e-20);
            previous = previous.add(variance.mul(new Scalar(Float32.sqrt(fixedSmall))));
        }
        return previous;
    }
}
