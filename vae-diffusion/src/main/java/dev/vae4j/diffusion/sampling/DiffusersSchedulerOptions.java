package dev.vae4j.diffusion.sampling;

import dev.vae4j.diffusion.PredictionType;
import java.util.Objects;

/**
 * The options diffusers' {@code DDPMScheduler} and {@code DDIMScheduler} share.
 *
 * @param predictionType what the denoiser predicts ({@code prediction_type})
 * @param clipSample whether the predicted x0 is clamped to [-clipSampleRange, clipSampleRange] ({@code clip_sample})
 * @param clipSampleRange the clamp bound ({@code clip_sample_range}), positive
 * @param timestepSpacing how the inference timesteps are spread ({@code timestep_spacing})
 * @param stepsOffset added to every timestep with {@link TimestepSpacing#LEADING} spacing ({@code steps_offset}), at
 *     least 0
 */
public record DiffusersSchedulerOptions(
        PredictionType predictionType,
        boolean clipSample,
        double clipSampleRange,
        TimestepSpacing timestepSpacing,
        int stepsOffset) {

    /** Checks the fields. */
    public DiffusersSchedulerOptions {
        Objects.requireNonNull(predictionType, "predictionType");
        Objects.requireNonNull(timestepSpacing, "timestepSpacing");
        if (!(clipSampleRange > 0) || Double.isInfinite(clipSampleRange)) {
            throw new IllegalArgumentException("clip_sample_range " + clipSampleRange + " is not a positive number");
        }
        if (stepsOffset < 0) {
            throw new IllegalArgumentException("steps_offset " + stepsOffset + " is negative");
        }
    }

    /** diffusers' defaults: epsilon, clip_sample true, range 1.0, leading spacing, steps_offset 0. */
    public static DiffusersSchedulerOptions defaults() {
        return new DiffusersSchedulerOptions(PredictionType.EPSILON, true, 1.0, TimestepSpacing.LEADING, 0);
    }

    /** These options with another prediction type. */
    public DiffusersSchedulerOptions withPredictionType(PredictionType type) {
        return new DiffusersSchedulerOptions(type, clipSample, clipSampleRange, timestepSpacing, stepsOffset);
    }

    /** These options with clipping on or off. */
    public DiffusersSchedulerOptions withClipSample(boolean clip) {
        return new DiffusersSchedulerOptions(predictionType, clip, clipSampleRange, timestepSpacing, stepsOffset);
    }

    /** These options with another timestep spacing and steps offset. */
    public DiffusersSchedulerOptions withTimestepSpacing(TimestepSpacing spacing, int offset) {
        return new DiffusersSchedulerOptions(predictionType, clipSample, clipSampleRange, spacing, offset);
    }
}
