package dev.vae4j.losses;

/**
 * Configuration of {@link GradNormalizedObjective} (cloneofsimo/vqgan-training). Each pixel-space branch reaches the
 * decoder output through its own {@link GradNorm}, whose weight is the norm of the gradient that branch contributes.
 * The builder's defaults are the repository's current objective (HEAD 379fe36 with {@code --disc_type hinge --use_lecam
 * True}, as its {@code scripts/launch_hdr.sh} runs it); its v0.2 objective is pooled/low-pass branches, KL weight 0, z
 * penalty 1, {@code VANILLA} x2 (the BCE sum), {@code THRESHOLDED_HINGE} from step 20, no LeCam,
 * {@link GradNorm.Mode#BATCH}.
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
 * @param mode how gradnorm measures the gradient ({@link GradNorm.Mode#BATCH} is the original's v0.2,
 *     {@link GradNorm.Mode#WHOLE} its HEAD)
 * @param zPenaltyWeight weight of {@code mean(z^2)} on the encoder's posterior mean, not gradnormed (HEAD 0.1, v0.2
 *     1.0; the original logs it as "kl_loss")
 * @param discLoss the discriminator loss ({@code --disc_type hinge}: HINGE; {@code bce}: VANILLA)
 * @param discLossScale factor on {@code discLoss} (HEAD 1; v0.2's un-halved BCE sum: 2)
 * @param generatorGan the generator's GAN loss (HEAD hinge: NEGATIVE_MEAN, HEAD bce: BCE, v0.2: THRESHOLDED_HINGE)
 * @param lecamWeight weight of the unclipped LeCam regulariser in the discriminator loss (HEAD 0.1; 0: off)
 * @param lecamDecay EMA decay of LeCam's logit anchors, updated before the loss (HEAD 0.9)
 */
public record GradNormalizedConfig(
        int poolKernel,
        double pooledWeight,
        int lowPassKernel,
        double lowPassCutoff,
        double lowPassWeight,
        double perceptualWeight,
        double klWeight,
        double ganWeight,
        double margin,
        long discStart,
        GradNorm.Mode mode,
        double zPenaltyWeight,
        DiscriminatorLoss discLoss,
        double discLossScale,
        VaeGanConfig.GeneratorGan generatorGan,
        double lecamWeight,
        double lecamDecay) {

    /** Validates the weights. */
    public GradNormalizedConfig {
        for (double w : new double[] {
            pooledWeight, lowPassWeight, perceptualWeight, klWeight, ganWeight, zPenaltyWeight, lecamWeight
        }) {
            if (!(w >= 0) || !Double.isFinite(w)) {
                throw new IllegalArgumentException(
                        "grad-normalized objective weights must be finite and >= 0, got " + w);
            }
        }
        if (mode == null || discLoss == null || generatorGan == null) {
            throw new IllegalArgumentException("grad-normalized objective: gradnorm mode, discriminator loss and "
                    + "generator GAN loss are required");
        }
        if (!(discLossScale > 0) || !Double.isFinite(discLossScale)) {
            throw new IllegalArgumentException(
                    "grad-normalized objective: disc_loss_scale must be positive, got " + discLossScale);
        }
        if (!(lecamDecay >= 0 && lecamDecay < 1)) {
            throw new IllegalArgumentException(
                    "grad-normalized objective: lecam_decay must be in [0, 1), got " + lecamDecay);
        }
    }

    /**
     * A builder holding cloneofsimo/vqgan-training HEAD's objective as the {@code vqgan-training} recipe sets it: LPIPS
     * and GAN branches at gradnorm weight 1 (norm over the whole tensor), no pixel branch (HEAD computes its
     * reconstruction loss with weight 0), no KL, z penalty 0.1, hinge discriminator loss with unclipped LeCam (weight
     * 0.1, decay 0.9), generator {@code -mean(D(x̂))} from step 0. Pooled/low-pass kernels 4 and 5, cut-off 0.25 and
     * margin 0.1 are kept for when those branches are switched on.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link GradNormalizedConfig} by name; {@link #build()} validates like the record. */
    public static final class Builder {
        private int poolKernel = 4;
        private double pooledWeight = 0.0;
        private int lowPassKernel = 5;
        private double lowPassCutoff = 0.25;
        private double lowPassWeight = 0.0;
        private double perceptualWeight = 1.0;
        private double klWeight = 0.0;
        private double ganWeight = 1.0;
        private double margin = GeneratorGanLoss.DEFAULT_MARGIN;
        private long discStart = 0;
        private GradNorm.Mode mode = GradNorm.Mode.WHOLE;
        private double zPenaltyWeight = 0.1;
        private DiscriminatorLoss discLoss = DiscriminatorLoss.HINGE;
        private double discLossScale = 1.0;
        private VaeGanConfig.GeneratorGan generatorGan = VaeGanConfig.GeneratorGan.NEGATIVE_MEAN;
        private double lecamWeight = 0.1;
        private double lecamDecay = 0.9;

        private Builder() {}

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

        /** Sets {@code zPenaltyWeight}: weight of {@code mean(z^2)}. */
        public Builder zPenaltyWeight(double value) {
            zPenaltyWeight = value;
            return this;
        }

        /** Sets {@code discLoss}: the discriminator loss. */
        public Builder discLoss(DiscriminatorLoss value) {
            discLoss = value;
            return this;
        }

        /** Sets {@code discLossScale}: factor on the discriminator loss. */
        public Builder discLossScale(double value) {
            discLossScale = value;
            return this;
        }

        /** Sets {@code generatorGan}: the generator's GAN loss. */
        public Builder generatorGan(VaeGanConfig.GeneratorGan value) {
            generatorGan = value;
            return this;
        }

        /** Sets {@code lecamWeight}: weight of the unclipped LeCam regulariser (0: off). */
        public Builder lecamWeight(double value) {
            lecamWeight = value;
            return this;
        }

        /** Sets {@code lecamDecay}: EMA decay of LeCam's anchors. */
        public Builder lecamDecay(double value) {
            lecamDecay = value;
            return this;
        }

        /** The configuration. */
        public GradNormalizedConfig build() {
            return new GradNormalizedConfig(
                    poolKernel,
                    pooledWeight,
                    lowPassKernel,
                    lowPassCutoff,
                    lowPassWeight,
                    perceptualWeight,
                    klWeight,
                    ganWeight,
                    margin,
                    discStart,
                    mode,
                    zPenaltyWeight,
                    discLoss,
                    discLossScale,
                    generatorGan,
                    lecamWeight,
                    lecamDecay);
        }
    }
}
