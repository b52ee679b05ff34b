package dev.vae4j.core.quant;

/**
 * Codebook updates by exponential moving averages instead of gradients, as stanipov/pytorch-diffusion's
 * {@code VectorQuantizerEMA} (after Sonnet's VQ-VAE): per training step, cluster sizes and code sums decay by
 * {@code decay} toward the batch's counts and sums, cluster sizes are Laplace-smoothed with {@code epsilon}, and each
 * code becomes its sum over its smoothed size.
 *
 * @param decay the moving-average decay, in (0, 1)
 * @param epsilon the Laplace smoothing constant, > 0
 */
public record EmaUpdate(double decay, double epsilon) {
    /** pytorch-diffusion's default epsilon. */
    public static final double DEFAULT_EPSILON = 1e-5;

    /** Checks the ranges. */
    public EmaUpdate {
        if (!(decay > 0 && decay < 1)) {
            throw new IllegalArgumentException("EMA decay " + decay + " outside (0, 1)");
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("EMA epsilon " + epsilon + " must be > 0");
        }
    }
}
