package dev.vae4j.diffusion.sampling;

import dev.vae4j.diffusion.PredictionType;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import java.util.Objects;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * DPM-Solver++ (2M) as diffusers' {@code DPMSolverMultistepScheduler} runs it with
 * {@code algorithm_type="dpmsolver++"}, {@code solver_order=2}, {@code solver_type="midpoint"},
 * {@code lower_order_final=True} and its other defaults ({@code final_sigmas_type="zero"}), with any
 * {@code timestep_spacing} (its default: linspace): the model output becomes an x0 prediction, the first and the last
 * step are first order (DDIM in lambda = log(alpha / sigma)), the others second order with the previous x0 prediction,
 * which this sampler holds between steps. Step it 0, 1, 2, ...
 *
 * <p>A schedule whose last alpha-bar is 0 (zero terminal SNR) gets 2^-24 there, as diffusers does with
 * {@code rescale_betas_zero_snr}.
 */
public final class DpmSolverMultistepSampler implements Sampler {
    private static final String NAME = "DPM-Solver++";
    private final PredictionType predictionType;
    private final int[] timesteps;
    private final float[] sigmas;
    private final CarriedTensor previousPrediction = new CarriedTensor();
    private int nextStep;

    /**
     * A sampler of {@code steps} steps with diffusers' default linspace spacing.
     *
     * @throws IllegalArgumentException when steps is outside [1, T]
     */
    public DpmSolverMultistepSampler(NoiseSchedule schedule, int steps, PredictionType predictionType) {
        this(schedule, steps, predictionType, TimestepSpacing.LINSPACE, 0);
    }

    /**
     * A sampler of {@code steps} steps at the timesteps {@link TimestepSpacing#multistepTimesteps} gives.
     *
     * @param stepsOffset diffusers' {@code steps_offset}, added to leading timesteps
     * @throws IllegalArgumentException when steps is outside [1, T] or a timestep falls outside the schedule
     */
    public DpmSolverMultistepSampler(
            NoiseSchedule schedule,
            int steps,
            PredictionType predictionType,
            TimestepSpacing spacing,
            int stepsOffset) {
        Objects.requireNonNull(schedule, "schedule");
        this.predictionType = Objects.requireNonNull(predictionType, "predictionType");
        int trainTimesteps = schedule.trainTimesteps();
        timesteps = Objects.requireNonNull(spacing, "spacing").multistepTimesteps(trainTimesteps, steps, stepsOffset);
        sigmas = new float[steps + 1];
        for (int i = 0; i < steps; i++) {
            float ac = timesteps[i] == trainTimesteps - 1 && schedule.alphaCumprod(timesteps[i]) == 0f
                    ? 0x1p-24f
                    : schedule.alphaCumprod(timesteps[i]);
            sigmas[i] = Float32.sqrt((1f - ac) / ac);
        }
    }

    @Override
    public int numSteps() {
        return timesteps.length;
    }

    @Override
    public double timestep(int step) {
        StepChecks.requireStep(NAME, step, timesteps.length);
        return timesteps[step];
    }

    @Override
    public Tensor step(int step, Tensor modelOutput, Tensor latents) {
        Tensor output = StepChecks.prediction(NAME, step, timesteps.length, modelOutput, latents);
        if (step != 0 && step != nextStep) {
            throw new IllegalStateException(NAME + " is a multistep solver: step " + step + " requested, expected "
                    + nextStep + " (or 0 to start a new trajectory)");
        }
        Point current = new Point(sigmas[step]);
        Tensor x0 = switch (predictionType) {
            case EPSILON -> latents.sub(output.mul(new Scalar(current.sigma))).div(new Scalar(current.alpha));
            case SAMPLE -> output;
            case V_PREDICTION -> latents.mul(new Scalar(current.alpha)).sub(output.mul(new Scalar(current.sigma)));
        };
        Point target = new Point(sigmas[step + 1]);
        float h = target.lambda - current.lambda;
        float expm1 = Float32.exp(-h) - 1f;
        Tensor next =
                latents.mul(new Scalar(target.sigma / current.sigma)).sub(x0.mul(new Scalar(target.alpha * expm1)));
        if (step > 0 && step < timesteps.length - 1) {
            Point previous = new Point(sigmas[step - 1]);
            float r0 = (current.lambda - previous.lambda) / h;
            Tensor d1 = x0.sub(previousPrediction.get()).mul(new Scalar(1f / r0));
            next = next.sub(d1.mul(new Scalar(0.5f * (target.alpha * expm1))));
        }
        if (step == timesteps.length - 1) {
            previousPrediction.release();
        } else {
            previousPrediction.set(x0);
        }
        nextStep = step + 1;
        return next;
    }

    /** alpha_t, sigma_t and lambda_t of a sigma, in float32 as {@code _sigma_to_alpha_sigma_t} computes them. */
    private static final class Point {
        final float alpha;
        final float sigma;
        final float lambda;

        Point(float sigmaRatio) {
            alpha = 1f / Float32.sqrt(sigmaRatio * sigmaRatio + 1f);
            sigma = sigmaRatio * alpha;
            lambda = Float32.log(alpha) - Float32.log(sigma);
        }
    }
}
