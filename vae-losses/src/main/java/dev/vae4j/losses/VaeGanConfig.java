package dev.vae4j.losses;

import java.util.Objects;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Tensor;

/**
 * Configuration of {@link VaeGanObjective}; the presets reproduce LDM's {@code LPIPSWithDiscriminator} (kl-f8) and
 * diffusers' AutoencoderKL training script.
 *
 * @param pixelDistance elementwise reconstruction distance (LDM: L1; diffusers' script: L2)
 * @param perceptualWeight weight of LPIPS, added to every pixel before normalisation (LDM 1.0; diffusers' script 0.5);
 *     0 skips LPIPS
 * @param perceptualGradient whether LPIPS back-propagates (LDM yes; diffusers' script computes it under no-grad)
 * @param normalization how the per-pixel NLL becomes a scalar: LDM's {@code sum / N} or the mean over elements
 * @param logvarInit initial (or fixed) scalar log-variance s of {@code nll = rec / exp(s) + s}
 * @param learnLogvar whether s is a learnable parameter ({@link VaeGanObjective#parameters()})
 * @param klWeight weight of the KL term (KL summed over C, H, W, mean over the batch)
 * @param discWeight LDM's {@code disc_weight}: factor on the adaptive weight, or the fixed GAN weight
 * @param adaptiveWeight whether the GAN weight is LDM's adaptive weight (else {@code discWeight} itself)
 * @param discFactor LDM's {@code disc_factor}, applied from {@code discStart} on (0 disables the GAN terms)
 * @param discStart the first global step with GAN terms ({@code adopt_weight} threshold)
 * @param discLoss the discriminator loss
 * @param generatorGan the generator GAN loss
 * @param hingeMargin margin of {@link GeneratorGan#THRESHOLDED_HINGE}
 * @param r1Gamma R1 gamma added to the discriminator loss (0: off)
 * @param lecamWeight LeCam weight added to the discriminator loss (0: off)
 * @param lecamDecay LeCam EMA decay
 */
public record VaeGanConfig(
        PixelDistance pixelDistance,
        double perceptualWeight,
        boolean perceptualGradient,
        Normalization normalization,
        double logvarInit,
        boolean learnLogvar,
        double klWeight,
        double discWeight,
        boolean adaptiveWeight,
        double discFactor,
        long discStart,
        DiscriminatorLoss discLoss,
        GeneratorGan generatorGan,
        double hingeMargin,
        double r1Gamma,
        double lecamWeight,
        double lecamDecay) {

    /** How the per-element NLL (N, C, H, W) is reduced. */
    public enum Normalization {
        /** LDM: {@code sum(nll) / N}, i.e. summed over C, H, W, mean over the batch. */
        SUM_OVER_BATCH,
        /** Mean over every element (diffusers' script's {@code F.mse_loss} and mean LPIPS). */
        MEAN
    }

    /** The generator's GAN loss. */
    public enum GeneratorGan {
        /** {@code -mean(D(x̂))}. */
        NEGATIVE_MEAN,
        /** cloneofsimo/vqgan-training v0.2: {@code mean(relu(D(x) - D(x̂) - margin))}. */
        THRESHOLDED_HINGE,
        /** Non-saturating {@code BCE(D(x̂), 1)} (cloneofsimo/vqgan-training HEAD with {@code --disc_type bce}). */
        BCE;

        /**
         * This loss of the fake logits, 0-d; {@code real} supplies the real logits (called only by
         * {@link #THRESHOLDED_HINGE}, which detaches them).
         */
        public Tensor loss(Supplier<Tensor> real, Tensor logitsFake, double margin) {
            return switch (this) {
                case NEGATIVE_MEAN -> GeneratorGanLoss.negativeMean(logitsFake);
                case BCE -> GeneratorGanLoss.bce(logitsFake);
                case THRESHOLDED_HINGE -> GeneratorGanLoss.thresholdedHinge(real.get(), logitsFake, margin);
            };
        }
    }

    /** Validates every field. */
    public VaeGanConfig {
        Objects.requireNonNull(pixelDistance, "pixelDistance");
        Objects.requireNonNull(normalization, "normalization");
        Objects.requireNonNull(discLoss, "discLoss");
        Objects.requireNonNull(generatorGan, "generatorGan");
        requireNonNegative("perceptualWeight", perceptualWeight);
        requireNonNegative("klWeight", klWeight);
        requireNonNegative("discWeight", discWeight);
        requireNonNegative("discFactor", discFactor);
        requireNonNegative("r1Gamma", r1Gamma);
        requireNonNegative("lecamWeight", lecamWeight);
        if (!Double.isFinite(logvarInit) || !Double.isFinite(hingeMargin)) {
            throw new IllegalArgumentException(
                    "logvarInit and hingeMargin must be finite, got " + logvarInit + ", " + hingeMargin);
        }
        if (!(lecamDecay >= 0 && lecamDecay < 1)) {
            throw new IllegalArgumentException("lecamDecay must be in [0, 1), got " + lecamDecay);
        }
        if (discStart < 0) {
            throw new IllegalArgumentException("discStart must be >= 0, got " + discStart);
        }
    }

    private static void requireNonNegative(String name, double v) {
        if (!(v >= 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + v);
        }
    }

    /** LDM kl-f8: L1 + 1.0 LPIPS, sum/N, frozen logvar 0, KL 1e-6, adaptive weight x 0.5, hinge, start 50001. */
    public static VaeGanConfig ldm() {
        return new VaeGanConfig(
                PixelDistance.L1,
                1.0,
                true,
                Normalization.SUM_OVER_BATCH,
                0.0,
                false,
                1e-6,
                0.5,
                true,
                1.0,
                50_001,
                DiscriminatorLoss.HINGE,
                GeneratorGan.NEGATIVE_MEAN,
                GeneratorGanLoss.DEFAULT_MARGIN,
                0.0,
                0.0,
                0.999);
    }

    /**
     * diffusers' AutoencoderKL training script (examples/research_projects/autoencoderkl): MSE + 0.5 LPIPS (means), KL
     * 1e-6, adaptive weight x 1.0, hinge, start 50001.
     */
    public static VaeGanConfig diffusersTrainScript() {
        return new VaeGanConfig(
                PixelDistance.L2,
                0.5,
                true,
                Normalization.MEAN,
                0.0,
                false,
                1e-6,
                1.0,
                true,
                1.0,
                50_001,
                DiscriminatorLoss.HINGE,
                GeneratorGan.NEGATIVE_MEAN,
                GeneratorGanLoss.DEFAULT_MARGIN,
                0.0,
                0.0,
                0.999);
    }

    /** A copy with another discriminator start step. */
    public VaeGanConfig withDiscStart(long step) {
        return new VaeGanConfig(
                pixelDistance,
                perceptualWeight,
                perceptualGradient,
                normalization,
                logvarInit,
                learnLogvar,
                klWeight,
                discWeight,
                adaptiveWeight,
                discFactor,
                step,
                discLoss,
                generatorGan,
                hingeMargin,
                r1Gamma,
                lecamWeight,
                lecamDecay);
    }

    /**
     * A copy with other LDM loss weights ({@code logvar_init}, {@code kl_weight}, {@code disc_weight},
     * {@code perceptual_weight}, {@code disc_factor}) and discriminator loss.
     */
    public VaeGanConfig withWeights(
            double logvar, double kl, double disc, double perceptual, double factor, DiscriminatorLoss loss) {
        return new VaeGanConfig(
                pixelDistance,
                perceptual,
                perceptualGradient,
                normalization,
                logvar,
                learnLogvar,
                kl,
                disc,
                adaptiveWeight,
                factor,
                discStart,
                loss,
                generatorGan,
                hingeMargin,
                r1Gamma,
                lecamWeight,
                lecamDecay);
    }

    /** A copy with a learnable (or frozen) log-variance. */
    public VaeGanConfig withLearnLogvar(boolean learn) {
        return new VaeGanConfig(
                pixelDistance,
                perceptualWeight,
                perceptualGradient,
                normalization,
                logvarInit,
                learn,
                klWeight,
                discWeight,
                adaptiveWeight,
                discFactor,
                discStart,
                discLoss,
                generatorGan,
                hingeMargin,
                r1Gamma,
                lecamWeight,
                lecamDecay);
    }

    /**
     * A builder starting from this configuration, e.g.
     * {@code VaeGanConfig.ldm().toBuilder().perceptualWeight(0).r1Gamma(10).build()}.
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds a {@link VaeGanConfig} by name from a starting one; {@link #build()} validates like the record. */
    public static final class Builder {
        private PixelDistance pixelDistance;
        private double perceptualWeight;
        private boolean perceptualGradient;
        private Normalization normalization;
        private double logvarInit;
        private boolean learnLogvar;
        private double klWeight;
        private double discWeight;
        private boolean adaptiveWeight;
        private double discFactor;
        private long discStart;
        private DiscriminatorLoss discLoss;
        private GeneratorGan generatorGan;
        private double hingeMargin;
        private double r1Gamma;
        private double lecamWeight;
        private double lecamDecay;

        private Builder(VaeGanConfig from) {
            pixelDistance = from.pixelDistance;
            perceptualWeight = from.perceptualWeight;
            perceptualGradient = from.perceptualGradient;
            normalization = from.normalization;
            logvarInit = from.logvarInit;
            learnLogvar = from.learnLogvar;
            klWeight = from.klWeight;
            discWeight = from.discWeight;
            adaptiveWeight = from.adaptiveWeight;
            discFactor = from.discFactor;
            discStart = from.discStart;
            discLoss = from.discLoss;
            generatorGan = from.generatorGan;
            hingeMargin = from.hingeMargin;
            r1Gamma = from.r1Gamma;
            lecamWeight = from.lecamWeight;
            lecamDecay = from.lecamDecay;
        }

        /** Sets {@code pixelDistance}: elementwise reconstruction distance. */
        public Builder pixelDistance(PixelDistance value) {
            pixelDistance = value;
            return this;
        }

        /** Sets {@code perceptualWeight}: weight of LPIPS (0 skips LPIPS). */
        public Builder perceptualWeight(double value) {
            perceptualWeight = value;
            return this;
        }

        /** Sets {@code perceptualGradient}: whether LPIPS back-propagates. */
        public Builder perceptualGradient(boolean value) {
            perceptualGradient = value;
            return this;
        }

        /** Sets {@code normalization}: how the per-pixel NLL becomes a scalar. */
        public Builder normalization(Normalization value) {
            normalization = value;
            return this;
        }

        /** Sets {@code logvarInit}: initial (or fixed) scalar log-variance. */
        public Builder logvarInit(double value) {
            logvarInit = value;
            return this;
        }

        /** Sets {@code learnLogvar}: whether the log-variance is learnable. */
        public Builder learnLogvar(boolean value) {
            learnLogvar = value;
            return this;
        }

        /** Sets {@code klWeight}: weight of the KL term. */
        public Builder klWeight(double value) {
            klWeight = value;
            return this;
        }

        /** Sets {@code discWeight}: factor on the adaptive weight, or the fixed GAN weight. */
        public Builder discWeight(double value) {
            discWeight = value;
            return this;
        }

        /** Sets {@code adaptiveWeight}: whether the GAN weight is LDM's adaptive weight. */
        public Builder adaptiveWeight(boolean value) {
            adaptiveWeight = value;
            return this;
        }

        /** Sets {@code discFactor}: GAN factor from the start step on (0 disables the GAN terms). */
        public Builder discFactor(double value) {
            discFactor = value;
            return this;
        }

        /** Sets {@code discStart}: first global step with GAN terms. */
        public Builder discStart(long value) {
            discStart = value;
            return this;
        }

        /** Sets {@code discLoss}: the discriminator loss. */
        public Builder discLoss(DiscriminatorLoss value) {
            discLoss = value;
            return this;
        }

        /** Sets {@code generatorGan}: the generator GAN loss. */
        public Builder generatorGan(GeneratorGan value) {
            generatorGan = value;
            return this;
        }

        /** Sets {@code hingeMargin}: margin of the thresholded hinge. */
        public Builder hingeMargin(double value) {
            hingeMargin = value;
            return this;
        }

        /** Sets {@code r1Gamma}: R1 gamma of the discriminator loss (0: off). */
        public Builder r1Gamma(double value) {
            r1Gamma = value;
            return this;
        }

        /** Sets {@code lecamWeight}: LeCam weight of the discriminator loss (0: off). */
        public Builder lecamWeight(double value) {
            lecamWeight = value;
            return this;
        }

        /** Sets {@code lecamDecay}: LeCam EMA decay in [0, 1). */
        public Builder lecamDecay(double value) {
            lecamDecay = value;
            return this;
        }

        /** The configuration. */
        public VaeGanConfig build() {
            return new VaeGanConfig(
                    pixelDistance,
                    perceptualWeight,
                    perceptualGradient,
                    normalization,
                    logvarInit,
                    learnLogvar,
                    klWeight,
                    discWeight,
                    adaptiveWeight,
                    discFactor,
                    discStart,
                    discLoss,
                    generatorGan,
                    hingeMargin,
                    r1Gamma,
                    lecamWeight,
                    lecamDecay);
        }
    }
}
