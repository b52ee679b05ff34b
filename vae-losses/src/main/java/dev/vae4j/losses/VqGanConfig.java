package dev.vae4j.losses;

import java.util.Objects;

/**
 * The weights of taming-transformers' {@code VQLPIPSWithDiscriminator} ({@link VqGanObjective}), which also express
 * stanipov/pytorch-diffusion's VQ {@code LPIPSWithDiscriminator} ({@link #pytorchDiffusion()}).
 *
 * @param pixelDistance per-element pixel distance (taming: L1; pytorch-diffusion: Huber)
 * @param perceptualWeight LPIPS weight (taming: 1.0; 0 = no LPIPS)
 * @param codebookWeight weight of the quantizer's loss {@code qloss} (taming: 1.0)
 * @param discWeight factor on the adaptive GAN weight (taming's ImageNet VQGAN: 0.8)
 * @param discFactor GAN factor from the start step on (taming: 1.0; 0 = no GAN term)
 * @param discStart first step the discriminator's loss counts ({@code adopt_weight}'s threshold; the loop's
 *     {@code disc_start}, from which it trains the discriminator)
 * @param discLoss the discriminator's loss, hinge (taming's default) or vanilla
 * @param ganStart first step with the generator's GAN term, >= {@code discStart} (taming: {@code discStart};
 *     pytorch-diffusion: its {@code disc_start + 1}, its test being {@code global_step > disc_start}, while its
 *     discriminator trains from step 0)
 * @param lazyGan whether the generator's GAN term (its discriminator forward and adaptive weight) is computed only from
 *     {@code ganStart} on, logged as 0 before (pytorch-diffusion); taming computes it every step and weights it by 0
 *     before the start (which also moves the discriminator's BatchNorm statistics)
 */
public record VqGanConfig(
        PixelDistance pixelDistance,
        double perceptualWeight,
        double codebookWeight,
        double discWeight,
        double discFactor,
        long discStart,
        DiscriminatorLoss discLoss,
        long ganStart,
        boolean lazyGan) {

    /**
     * Checks the weights.
     *
     * @throws IllegalArgumentException naming a weight that is negative or not finite, a negative start step, or a GAN
     *     start before the discriminator's
     */
    public VqGanConfig {
        Objects.requireNonNull(pixelDistance, "pixelDistance");
        Objects.requireNonNull(discLoss, "discLoss");
        requireNonNegative("perceptual weight", perceptualWeight);
        requireNonNegative("codebook weight", codebookWeight);
        requireNonNegative("disc weight", discWeight);
        requireNonNegative("disc factor", discFactor);
        if (discStart < 0) {
            throw new IllegalArgumentException("disc start must be >= 0, got " + discStart);
        }
        if (ganStart < discStart) {
            throw new IllegalArgumentException(
                    "gan start must be >= the disc start " + discStart + ", got " + ganStart);
        }
    }

    /** The weights with the generator's GAN term starting with the discriminator, at {@code discStart} (taming). */
    public VqGanConfig(
            PixelDistance pixelDistance,
            double perceptualWeight,
            double codebookWeight,
            double discWeight,
            double discFactor,
            long discStart,
            DiscriminatorLoss discLoss) {
        this(
                pixelDistance,
                perceptualWeight,
                codebookWeight,
                discWeight,
                discFactor,
                discStart,
                discLoss,
                discStart,
                false);
    }

    private static void requireNonNegative(String name, double v) {
        if (!(v >= 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + v);
        }
    }

    /**
     * taming's {@code configs/imagenet_vqgan.yaml} loss: L1 + LPIPS, codebook 1.0, disc 0.8 from step 250001, hinge.
     */
    public static VqGanConfig taming() {
        return new VqGanConfig(PixelDistance.L1, 1.0, 1.0, 0.8, 1.0, 250_001, DiscriminatorLoss.HINGE);
    }

    /**
     * stanipov/pytorch-diffusion's {@code LPIPSWithDiscriminator} ({@code src/losses/LPIPSWithDisc.py}) with the
     * defaults {@code train_VQ_DiscLPIPS.py} reads: mean Huber + 1.0 mean LPIPS, disc weight 1.0, disc factor 1.0,
     * hinge, the discriminator from step 0 and the generator's GAN term from step 1 (its {@code disc_start} 0, tested
     * with {@code >}). Its codebook weight 1.0 is kept; upstream multiplies a zero in its place (it replaces any
     * codebook loss it is given by {@code torch.tensor([0.0])}): codebook weight 0 reproduces that.
     */
    public static VqGanConfig pytorchDiffusion() {
        return new VqGanConfig(PixelDistance.HUBER, 1.0, 1.0, 1.0, 1.0, 0, DiscriminatorLoss.HINGE, 1, true);
    }

    /**
     * The LDM-style configuration with the same reconstruction and GAN terms: pixel distance plus weighted LPIPS
     * averaged over every element (taming's {@code torch.mean}), no log-variance, no KL, LDM's adaptive weight with
     * taming's {@code -mean(D(x̂))} generator loss; the GAN factor applies from {@code start} on.
     */
    VaeGanConfig ganTerms(long start) {
        return VaeGanConfig.ldm().toBuilder()
                .pixelDistance(pixelDistance)
                .perceptualWeight(perceptualWeight)
                .perceptualGradient(true)
                .normalization(VaeGanConfig.Normalization.MEAN)
                .logvarInit(0.0)
                .learnLogvar(false)
                .klWeight(0.0)
                .discWeight(discWeight)
                .adaptiveWeight(true)
                .discFactor(discFactor)
                .discStart(start)
                .discLoss(discLoss)
                .generatorGan(VaeGanConfig.GeneratorGan.NEGATIVE_MEAN)
                .r1Gamma(0.0)
                .lecamWeight(0.0)
                .build();
    }
}
