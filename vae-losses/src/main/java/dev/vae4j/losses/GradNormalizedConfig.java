package dev.vae4j.losses;

/**
 * Configuration of {@link GradNormalizedObjective} (cloneofsimo/vqgan-training as its README describes it). Each
 * pixel-space branch reaches the decoder output through its own {@link GradNorm}, whose weight is the norm of the
 * gradient that branch contributes.
 *
 * @param poolKernel area-pooling kernel of the pooled MSE (the original: 4)
 * @param pooledWeight gradnorm weight of the pooled-MSE branch (0: branch off)
 * @param lowPassKernel Laplacian-like smoothing kernel of the low-pass MSE (the original: 5)
 * @param lowPassCutoff radial frequency cut-off of the low-pass MSE, cycles per pixel
 * @param lowPassWeight gradnorm weight of the low-pass branch (0: branch off)
 * @param perceptualWeight gradnorm weight of the LPIPS branch (0: no LPIPS)
 * @param klWeight weight of the KL term (not gradnormed; acts on the encoder directly)
 * @param ganWeight gradnorm weight of the GAN branch (0: no GAN term)
 * @param margin margin of the thresholded hinge {@code relu(D(x) - D(x̂) - margin)} (the original: 0.1)
 * @param discStart first step with the GAN term (the original: 20)
 * @param mode how gradnorm measures the gradient ({@link GradNorm.Mode#BATCH} is the original's v0.2)
 */
public record GradNormalizedConfig(int poolKernel, double pooledWeight, int lowPassKernel, double lowPassCutoff,
        double lowPassWeight, double perceptualWeight, double klWeight, double ganWeight, double margin,
        long discStart, GradNorm.Mode mode) {

    /** Validates the weights. */
    public GradNormalizedConfig {
        for (double w : new double[] {pooledWeight, lowPassWeight, perceptualWeight, klWeight, ganWeight}) {
            if (!(w >= 0) || !Double.isFinite(w)) {
                throw new IllegalArgumentException("grad-normalized objective weights must be finite and >= 0, got "
                        + w);
            }
        }
        if (mode == null) {
            throw new IllegalArgumentException("grad-normalized objective: gradnorm mode is required");
        }
    }
}
