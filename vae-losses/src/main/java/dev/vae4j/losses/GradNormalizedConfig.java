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

    /**
     * A builder holding the values of cloneofsimo/vqgan-training as the {@code vqgan-training} recipe sets them:
     * pooled MSE (k 4), low-pass MSE (k 5, cut-off 0.25), LPIPS and GAN branches at weight 1, KL 1e-6, hinge margin
     * 0.1 from step 20, gradnorm over the batch.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link GradNormalizedConfig} by name; {@link #build()} validates like the record. */
    public static final class Builder {
        private int poolKernel = 4;
        private double pooledWeight = 1.0;
        private int lowPassKernel = 5;
        private double lowPassCutoff = 0.25;
        private double lowPassWeight = 1.0;
        private double perceptualWeight = 1.0;
        private double klWeight = 1e-6;
        private double ganWeight = 1.0;
        private double margin = GeneratorGanLoss.DEFAULT_MARGIN;
        private long discStart = 20;
        private GradNorm.Mode mode = GradNorm.Mode.BATCH;

        private Builder() {
        }

        /** Sets {@code poolKernel}: area-pooling kernel of the pooled MSE. */
        public Builder poolKernel(int value) {
            poolKernel = value;
            return this;
        }

        /** Sets {@code pooledWeight}: gradnorm weight of the pooled-MSE branch (0: off). */
        public Builder pooledWeight(double value) {
            pooledWeight = value;
            return this;
        }

        /** Sets {@code lowPassKernel}: smoothing kernel of the low-pass MSE. */
        public Builder lowPassKernel(int value) {
            lowPassKernel = value;
            return this;
        }

        /** Sets {@code lowPassCutoff}: radial cut-off of the low-pass MSE, cycles per pixel. */
        public Builder lowPassCutoff(double value) {
            lowPassCutoff = value;
            return this;
        }

        /** Sets {@code lowPassWeight}: gradnorm weight of the low-pass branch (0: off). */
        public Builder lowPassWeight(double value) {
            lowPassWeight = value;
            return this;
        }

        /** Sets {@code perceptualWeight}: gradnorm weight of the LPIPS branch (0: no LPIPS). */
        public Builder perceptualWeight(double value) {
            perceptualWeight = value;
            return this;
        }

        /** Sets {@code klWeight}: weight of the KL term. */
        public Builder klWeight(double value) {
            klWeight = value;
            return this;
        }

        /** Sets {@code ganWeight}: gradnorm weight of the GAN branch (0: no GAN term). */
        public Builder ganWeight(double value) {
            ganWeight = value;
            return this;
        }

        /** Sets {@code margin}: margin of the thresholded hinge. */
        public Builder margin(double value) {
            margin = value;
            return this;
        }

        /** Sets {@code discStart}: first step with the GAN term. */
        public Builder discStart(long value) {
            discStart = value;
            return this;
        }

        /** Sets {@code mode}: how gradnorm measures the gradient. */
        public Builder mode(GradNorm.Mode value) {
            mode = value;
            return this;
        }

        /** The configuration. */
        public GradNormalizedConfig build() {
            return new GradNormalizedConfig(poolKernel, pooledWeight, lowPassKernel, lowPassCutoff, lowPassWeight,
                    perceptualWeight, klWeight, ganWeight, margin, discStart, mode);
        }
    }
}
