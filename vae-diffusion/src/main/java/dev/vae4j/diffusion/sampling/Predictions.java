package dev.vae4j.diffusion.sampling;

import dev.vae4j.diffusion.PredictionType;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * Conversions between a model output and x0 / epsilon at alpha-bar {@code ac}, with the float32 coefficient order of
 * diffusers' DDPM and DDIM {@code step}.
 */
final class Predictions {
    private Predictions() {}

    /** The predicted x0 ({@code pred_original_sample}). */
    static Tensor originalSample(PredictionType type, Tensor output, Tensor latents, float ac) {
        float sqrtAlpha = Float32.sqrt(ac);
        float sqrtBeta = Float32.sqrt(1f - ac);
        return switch (type) {
            case EPSILON -> latents.sub(output.mul(new Scalar(sqrtBeta))).div(new Scalar(sqrtAlpha));
            case SAMPLE -> output;
            case V_PREDICTION -> latents.mul(new Scalar(sqrtAlpha)).sub(output.mul(new Scalar(sqrtBeta)));
        };
    }

    /** The predicted noise ({@code pred_epsilon}) given the unclipped x0 of {@link #originalSample}. */
    static Tensor epsilon(PredictionType type, Tensor output, Tensor latents, Tensor originalSample, float ac) {
        float sqrtAlpha = Float32.sqrt(ac);
        float sqrtBeta = Float32.sqrt(1f - ac);
        return switch (type) {
            case EPSILON -> output;
            case SAMPLE ->
                latents.sub(originalSample.mul(new Scalar(sqrtAlpha))).div(new Scalar(sqrtBeta));
            case V_PREDICTION -> output.mul(new Scalar(sqrtAlpha)).add(latents.mul(new Scalar(sqrtBeta)));
        };
    }

    /** {@code x.clamp(-range, range)}. */
    static Tensor clip(Tensor x, double range) {
        return x.clamp(new ScalarOptional(new Scalar(-range)), new ScalarOptional(new Scalar(range)));
    }
}
