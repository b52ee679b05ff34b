package dev.vae4j.losses;

import java.util.Objects;

/**
 * The weights of taming-transformers' {@code VQLPIPSWithDiscriminator} ({@link VqGanObjective}).
 *
 * @param pixelDistance per-element pixel distance (taming: L1)
 * @param perceptualWeight LPIPS weight (taming: 1.0; 0 = no LPIPS)
 * @param codebookWeight weight of the quantizer's loss {@code qloss} (taming: 1.0)
 * @param discWeight factor on the adaptive GAN weight (taming's ImageNet VQGAN: 0.8)
 * @param discFactor GAN factor from the start step on (taming: 1.0; 0 = no GAN term)
 * @param discStart first step with the GAN term ({@code adopt_weight}'s threshold)
 * @param discLoss the discriminator's loss, hinge (taming's default) or vanilla
 */
public record VqGanConfig(
        PixelDistance pixelDistance,
        double perceptualWeight,
        double codebookWeight,
        double discWeight,
        double discFactor,
        long discStart,
        DiscriminatorLoss discLoss) {

    /**
     * Checks the weights.
     *
     * @throws IllegalArgumentException naming a weight that is negative or not finite, or a negative start step
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
     * The LDM-style configuration with the same reconstruction and GAN terms: pixel distance plus weighted LPIPS
     * averaged over every element (taming's {@code torch.mean}), no log-variance, no KL, LDM's adaptive weight with
     * taming's {@code -mean(D(x̂))} generator loss.
     */
    VaeGanConfig ganTerms() {
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
                .discStart(discStart)
                .discLoss(discLoss)
                .generatorGan(VaeGanConfig.GeneratorGan.NEGATIVE_MEAN)
                .r1Gamma(0.0)
                .lecamWeight(0.0)
                .build();
    }
}
