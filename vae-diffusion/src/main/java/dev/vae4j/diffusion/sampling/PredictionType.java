package dev.vae4j.diffusion.sampling;

/** What a denoiser predicts: diffusers' {@code prediction_type}. */
public enum PredictionType {
    /** The noise epsilon ({@code "epsilon"}). */
    EPSILON,
    /** The clean latents x0 ({@code "sample"}). */
    SAMPLE,
    /** The velocity v = sqrt(alpha-bar) eps - sqrt(1 - alpha-bar) x0 ({@code "v_prediction"}). */
    V_PREDICTION
}
