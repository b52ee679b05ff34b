package dev.vae4j.diffusion.sampling;

import dev.vae4j.diffusion.schedule.NoiseSchedule;
import java.util.Objects;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * DDIM sampling as diffusers' {@code DDIMScheduler.step} does it (no thresholding, {@code use_clipped_model_output}
 * false): x0 and epsilon from the prediction, x_prev = sqrt(ab_prev) x0 + sqrt(1 - ab_prev - sigma^2) eps + sigma z
 * with sigma = eta sqrt((1 - ab_prev) / (1 - ab_t)) sqrt(1 - ab_t / ab_prev), noise drawn only when eta > 0. As in
 * diffusers the previous timestep is {@code t - T // N} whatever the spacing, and below 0 alpha-bar is 1
 * ({@code set_alpha_to_one}) or alpha-bar_0. Stateless.
 */
public final class DdimSampler implements Sampler {
    private final NoiseSchedule schedule;
    private final DiffusersSchedulerOptions options;
    private final double eta;
    private final float finalAlphaCumprod;
    private final int[] timesteps;
    private final int stride;
    private final NoiseSource noise;

    /**
     * A sampler of {@code steps} steps with stochasticity {@code eta} (0: deterministic DDIM, 1: DDPM-like).
     *
     * @param setAlphaToOne diffusers' {@code set_alpha_to_one}: alpha-bar 1 after the last step, else alpha-bar_0
     * @throws IllegalArgumentException when steps is outside [1, T], a timestep falls outside the schedule or eta is
     *     negative or not finite
     */
    public DdimSampler(
            NoiseSchedule schedule,
            int steps,
            DiffusersSchedulerOptions options,
            double eta,
            boolean setAlphaToOne,
            NoiseSource noise) {
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.options = Objects.requireNonNull(options, "options");
        this.noise = Objects.requireNonNull(noise, "noise");
        if (!(eta >= 0) || Double.isInfinite(eta)) {
            throw new IllegalArgumentException("DDIM eta " + eta + " is not a finite number >= 0");
        }
        this.eta = eta;
        this.timesteps = options.timestepSpacing().timesteps(schedule.trainTimesteps(), steps, options.stepsOffset());
        this.stride = schedule.trainTimesteps() / steps;
        this.finalAlphaCumprod = setAlphaToOne ? 1f : schedule.alphaCumprod(0);
    }

    @Override
    public int numSteps() {
        return timesteps.length;
    }

    @Override
    public double timestep(int step) {
        StepChecks.requireStep("DDIM", step, timesteps.length);
        return timesteps[step];
    }

    @Override
    public Tensor step(int step, Tensor modelOutput, Tensor latents) {
        Tensor output = StepChecks.prediction("DDIM", step, timesteps.length, modelOutput, latents);
        int t = timesteps[step];
        int prevT = t - stride;
        float alphaProd = schedule.alphaCumprod(t);
        float alphaProdPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : finalAlphaCumprod;
        float betaProd = 1f - alphaProd;
        float betaProdPrev = 1f - alphaProdPrev;

        Tensor original = Predictions.originalSample(options.predictionType(), output, latents, alphaProd);
        Tensor epsilon = Predictions.epsilon(options.predictionType(), output, latents, original, alphaProd);
        if (options.clipSample()) {
            original = Predictions.clip(original, options.clipSampleRange());
        }
        float variance = (betaProdPrev / betaProd) * (1f - alphaProd / alphaProdPrev);
        float stdDev = (float) eta * Float32.sqrt(variance);
        Tensor direction = epsilon.mul(new Scalar(Float32.sqrt(1f - alphaProdPrev - stdDev * stdDev)));
        Tensor previous = original.mul(new Scalar(Float32.sqrt(alphaProdPrev))).add(direction);
        if (eta > 0) {
            previous = previous.add(noise.normalLike(output).mul(new Scalar(stdDev)));
        }
        return previous;
    }
}
