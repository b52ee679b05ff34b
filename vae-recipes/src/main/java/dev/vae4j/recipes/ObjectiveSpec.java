package dev.vae4j.recipes;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import dev.vae4j.core.model.ConfigKeys;
import dev.vae4j.losses.DiscriminatorLoss;
import dev.vae4j.losses.GeneratorGanLoss;
import dev.vae4j.losses.GradNorm;
import dev.vae4j.losses.GradNormalizedConfig;
import dev.vae4j.losses.PixelDistance;
import dev.vae4j.losses.VaeGanConfig;
import dev.vae4j.losses.VqGanConfig;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A recipe's {@code objective:} section, one record per {@code type}: {@link VaeGan} ({@code vae-gan}, the default: LDM
 * / diffusers / LiteVAE objectives), {@link GradNormalized} ({@code grad-normalized}: cloneofsimo/vqgan-training) and
 * {@link VqGan} ({@code vq-gan}: taming-transformers' VQGAN, for VQ models). Each record holds exactly the keys its
 * objective reads, so a key of the other type is refused by name. Both add LiteVAE's wavelet and Gaussian
 * high-frequency terms when weighted.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type", defaultImpl = ObjectiveSpec.VaeGan.class)
@JsonSubTypes({
    @JsonSubTypes.Type(value = ObjectiveSpec.VaeGan.class, name = ObjectiveSpec.VAE_GAN),
    @JsonSubTypes.Type(value = ObjectiveSpec.GradNormalized.class, name = ObjectiveSpec.GRAD_NORMALIZED),
    @JsonSubTypes.Type(value = ObjectiveSpec.VqGan.class, name = ObjectiveSpec.VQ_GAN)
})
public sealed interface ObjectiveSpec permits ObjectiveSpec.VaeGan, ObjectiveSpec.GradNormalized, ObjectiveSpec.VqGan {
    /** The {@code type} of {@link VaeGan}. */
    String VAE_GAN = "vae-gan";
    /** The {@code type} of {@link GradNormalized}. */
    String GRAD_NORMALIZED = "grad-normalized";
    /** The {@code type} of {@link VqGan}. */
    String VQ_GAN = "vq-gan";

    /** The record of each {@code type}, the default first. */
    Map<String, Class<? extends ObjectiveSpec>> TYPES = typesInOrder();

    private static Map<String, Class<? extends ObjectiveSpec>> typesInOrder() {
        Map<String, Class<? extends ObjectiveSpec>> types = new LinkedHashMap<>();
        types.put(VAE_GAN, VaeGan.class);
        types.put(GRAD_NORMALIZED, GradNormalized.class);
        types.put(VQ_GAN, VqGan.class);
        return Collections.unmodifiableMap(types);
    }

    /** The recipe spelling of this objective's type. */
    @JsonIgnore
    String typeName();

    /** LPIPS weight (0: LPIPS is not loaded). */
    double perceptualWeight();

    /** Weight of LiteVAE's wavelet loss (Charbonnier on level-1 details; 0: off). */
    double waveletWeight();

    /** Weight of LiteVAE's Gaussian high-frequency loss (0: off). */
    double gaussianWeight();

    /**
     * The objective loss weights: of {@link dev.vae4j.losses.VaeGanObjective}; see {@link VaeGanConfig} for each.
     *
     * @param pixel {@code l1} or {@code l2} (required)
     * @param perceptualWeight LPIPS weight (needs {@code --lpips})
     * @param perceptualGradient whether LPIPS back-propagates (default true)
     * @param normalization {@code sum_over_batch} (LDM) or {@code mean} (required)
     * @param logvarInit initial log-variance
     * @param learnLogvar learnable log-variance
     * @param klWeight KL weight
     * @param discWeight GAN weight factor
     * @param adaptiveWeight LDM's adaptive GAN weight (default true)
     * @param discFactor GAN factor after the start step
     * @param discLoss {@code hinge} or {@code vanilla} (required)
     * @param generatorGan {@code negative_mean} or {@code thresholded_hinge} (required)
     * @param hingeMargin margin of the thresholded hinge (default 0.1)
     * @param waveletWeight weight of LiteVAE's wavelet loss (0: off)
     * @param gaussianWeight weight of LiteVAE's Gaussian high-frequency loss (0: off)
     * @param r1Gamma gamma of the R1 gradient penalty on real images in the discriminator loss (0: off)
     * @param lecamWeight weight of the LeCam regulariser of the discriminator (0: off)
     * @param lecamDecay EMA decay of LeCam's logit anchors (default 0.999)
     */
    record VaeGan(
            @JsonProperty("pixel") PixelDistance pixel,
            @JsonProperty("perceptual_weight") double perceptualWeight,
            @JsonProperty("perceptual_gradient") Boolean perceptualGradient,
            @JsonProperty("normalization") VaeGanConfig.Normalization normalization,
            @JsonProperty("logvar_init") double logvarInit,
            @JsonProperty("learn_logvar") boolean learnLogvar,
            @JsonProperty("kl_weight") double klWeight,
            @JsonProperty("disc_weight") double discWeight,
            @JsonProperty("adaptive_weight") Boolean adaptiveWeight,
            @JsonProperty("disc_factor") double discFactor,
            @JsonProperty("disc_loss") DiscriminatorLoss discLoss,
            @JsonProperty("generator_gan") VaeGanConfig.GeneratorGan generatorGan,
            @JsonProperty("hinge_margin") Double hingeMargin,
            @JsonProperty("wavelet_weight") double waveletWeight,
            @JsonProperty("gaussian_weight") double gaussianWeight,
            @JsonProperty("r1_gamma") double r1Gamma,
            @JsonProperty("lecam_weight") double lecamWeight,
            @JsonProperty("lecam_decay") Double lecamDecay)
            implements ObjectiveSpec {

        /**
         * The section that reproduces {@code config} (whose {@code discStart} the recipe takes from the loop's
         * {@code disc_start}), with LiteVAE's wavelet terms at the given weights (0: off). Build {@code config} with
         * {@link VaeGanConfig#toBuilder()}.
         */
        public static VaeGan of(VaeGanConfig config, double waveletWeight, double gaussianWeight) {
            return new VaeGan(
                    config.pixelDistance(),
                    config.perceptualWeight(),
                    config.perceptualGradient(),
                    config.normalization(),
                    config.logvarInit(),
                    config.learnLogvar(),
                    config.klWeight(),
                    config.discWeight(),
                    config.adaptiveWeight(),
                    config.discFactor(),
                    config.discLoss(),
                    config.generatorGan(),
                    config.hingeMargin(),
                    waveletWeight,
                    gaussianWeight,
                    config.r1Gamma(),
                    config.lecamWeight(),
                    config.lecamDecay());
        }

        @Override
        public String typeName() {
            return VAE_GAN;
        }

        /**
         * The objective's configuration, its GAN terms from {@code discStart} (the loop's {@code disc_start}).
         *
         * @throws IllegalArgumentException naming a required key that is absent
         */
        public VaeGanConfig config(long discStart) {
            return new VaeGanConfig(
                    required(pixel, "pixel"),
                    perceptualWeight,
                    perceptualGradient == null || perceptualGradient,
                    required(normalization, "normalization"),
                    logvarInit,
                    learnLogvar,
                    klWeight,
                    discWeight,
                    adaptiveWeight == null || adaptiveWeight,
                    discFactor,
                    discStart,
                    required(discLoss, "disc_loss"),
                    required(generatorGan, "generator_gan"),
                    hingeMargin == null ? GeneratorGanLoss.DEFAULT_MARGIN : hingeMargin,
                    r1Gamma,
                    lecamWeight,
                    lecamDecay == null ? 0.999 : lecamDecay);
        }

        private static <T> T required(T value, String key) {
            if (value == null) {
                throw new IllegalArgumentException("recipe objective needs '" + key + "'");
            }
            return value;
        }
    }

    /**
     * The loss weights of {@link dev.vae4j.losses.GradNormalizedObjective}; see {@link GradNormalizedConfig}. Absent
     * kernels and cut-off take cloneofsimo/vqgan-training's values.
     *
     * @param perceptualWeight gradnorm weight of the LPIPS branch (needs {@code --lpips})
     * @param klWeight KL weight
     * @param discWeight gradnorm weight of the GAN branch
     * @param hingeMargin margin of the thresholded hinge (default 0.1)
     * @param poolKernel pooled-MSE kernel (default 4)
     * @param pooledWeight pooled-MSE branch weight
     * @param lowPassKernel low-pass smoothing kernel (default 5)
     * @param lowPassCutoff low-pass cut-off, cycles per pixel (default 0.25)
     * @param lowPassWeight low-pass branch weight
     * @param gradnormMode {@code batch} (the default, vqgan-training v0.2), {@code whole} or {@code per_sample}
     * @param zPenaltyWeight weight of {@code mean(z^2)} of the posterior mean (0: off)
     * @param discLoss {@code hinge} (the default) or {@code vanilla}
     * @param discLossScale factor on the discriminator loss (default 1; cloneofsimo/vqgan-training v0.2's BCE sum is
     *     vanilla x 2)
     * @param generatorGan {@code negative_mean} (the default), {@code thresholded_hinge} or {@code bce}
     * @param lecamWeight weight of cloneofsimo/vqgan-training's unclipped LeCam regulariser, anchors updated before the
     *     loss (0: off)
     * @param lecamDecay EMA decay of LeCam's logit anchors (default 0.9)
     * @param waveletWeight weight of LiteVAE's wavelet loss (0: off)
     * @param gaussianWeight weight of LiteVAE's Gaussian high-frequency loss (0: off)
     */
    record GradNormalized(
            @JsonProperty("perceptual_weight") double perceptualWeight,
            @JsonProperty("kl_weight") double klWeight,
            @JsonProperty("disc_weight") double discWeight,
            @JsonProperty("hinge_margin") Double hingeMargin,
            @JsonProperty("pool_kernel") int poolKernel,
            @JsonProperty("pooled_weight") double pooledWeight,
            @JsonProperty("low_pass_kernel") int lowPassKernel,
            @JsonProperty("low_pass_cutoff") double lowPassCutoff,
            @JsonProperty("low_pass_weight") double lowPassWeight,
            @JsonProperty("gradnorm_mode") GradNorm.Mode gradnormMode,
            @JsonProperty("z_penalty_weight") double zPenaltyWeight,
            @JsonProperty("disc_loss") DiscriminatorLoss discLoss,
            @JsonProperty("disc_loss_scale") double discLossScale,
            @JsonProperty("generator_gan") VaeGanConfig.GeneratorGan generatorGan,
            @JsonProperty("lecam_weight") double lecamWeight,
            @JsonProperty("lecam_decay") Double lecamDecay,
            @JsonProperty("wavelet_weight") double waveletWeight,
            @JsonProperty("gaussian_weight") double gaussianWeight)
            implements ObjectiveSpec {

        /**
         * The section that reproduces {@code config} (whose {@code discStart} the recipe takes from the loop's
         * {@code disc_start}), with LiteVAE's wavelet terms at the given weights (0: off). Build {@code config} with
         * {@link GradNormalizedConfig#builder()}.
         */
        public static GradNormalized of(GradNormalizedConfig config, double waveletWeight, double gaussianWeight) {
            return new GradNormalized(
                    config.perceptualWeight(),
                    config.klWeight(),
                    config.ganWeight(),
                    config.margin(),
                    config.poolKernel(),
                    config.pooledWeight(),
                    config.lowPassKernel(),
                    config.lowPassCutoff(),
                    config.lowPassWeight(),
                    config.mode(),
                    config.zPenaltyWeight(),
                    config.discLoss(),
                    config.discLossScale(),
                    config.generatorGan(),
                    config.lecamWeight(),
                    config.lecamDecay(),
                    waveletWeight,
                    gaussianWeight);
        }

        @Override
        public String typeName() {
            return GRAD_NORMALIZED;
        }

        /** The objective's configuration, its GAN branch from {@code discStart} (the loop's {@code disc_start}). */
        public GradNormalizedConfig config(long discStart) {
            return new GradNormalizedConfig(
                    poolKernel <= 0 ? 4 : poolKernel,
                    pooledWeight,
                    lowPassKernel <= 0 ? 5 : lowPassKernel,
                    lowPassCutoff <= 0 ? 0.25 : lowPassCutoff,
                    lowPassWeight,
                    perceptualWeight,
                    klWeight,
                    discWeight,
                    hingeMargin == null ? GeneratorGanLoss.DEFAULT_MARGIN : hingeMargin,
                    discStart,
                    gradnormMode == null ? GradNorm.Mode.BATCH : gradnormMode,
                    zPenaltyWeight,
                    discLoss == null ? DiscriminatorLoss.HINGE : discLoss,
                    discLossScale <= 0 ? 1.0 : discLossScale,
                    generatorGan == null ? VaeGanConfig.GeneratorGan.NEGATIVE_MEAN : generatorGan,
                    lecamWeight,
                    lecamDecay == null ? 0.9 : lecamDecay);
        }
    }

    /**
     * The loss weights of {@link dev.vae4j.losses.VqGanObjective} (taming-transformers'
     * {@code VQLPIPSWithDiscriminator}, for VQ models); see {@link VqGanConfig}. Absent keys take taming's defaults.
     *
     * @param pixel {@code l1} (taming, the default), {@code l2} or {@code huber} (pytorch-diffusion)
     * @param perceptualWeight LPIPS weight (needs {@code --lpips})
     * @param codebookWeight weight of the quantizer's codebook + commitment loss (default 1)
     * @param discWeight factor on the adaptive GAN weight (default 1)
     * @param discFactor GAN factor after the start step (default 1)
     * @param discLoss {@code hinge} (the default) or {@code vanilla}
     * @param ganStart first step of the generator's GAN term, no earlier than the loop's {@code disc_start} (default:
     *     {@code disc_start}, as taming; pytorch-diffusion trains its discriminator from step 0 and adds the GAN term
     *     from its {@code disc_start + 1})
     * @param lazyGan compute the generator's GAN term only from {@code gan_start} on (pytorch-diffusion; default false:
     *     taming computes it every step, weighted 0 before the start)
     */
    record VqGan(
            @JsonProperty("pixel") PixelDistance pixel,
            @JsonProperty("perceptual_weight") double perceptualWeight,
            @JsonProperty("codebook_weight") Double codebookWeight,
            @JsonProperty("disc_weight") Double discWeight,
            @JsonProperty("disc_factor") Double discFactor,
            @JsonProperty("disc_loss") DiscriminatorLoss discLoss,
            @JsonProperty("gan_start") Long ganStart,
            @JsonProperty("lazy_gan") boolean lazyGan)
            implements ObjectiveSpec {

        @Override
        public String typeName() {
            return VQ_GAN;
        }

        /** No wavelet terms in taming's objective. */
        @Override
        public double waveletWeight() {
            return 0.0;
        }

        /** No Gaussian high-frequency term in taming's objective. */
        @Override
        public double gaussianWeight() {
            return 0.0;
        }

        /**
         * The objective's weights, its discriminator loss from {@code discStart} (the loop's {@code disc_start}) and
         * the generator's GAN term from {@code gan_start} (default {@code discStart}).
         *
         * @throws IllegalArgumentException when {@code gan_start} is before {@code discStart}
         */
        public VqGanConfig config(long discStart) {
            return new VqGanConfig(
                    pixel == null ? PixelDistance.L1 : pixel,
                    perceptualWeight,
                    codebookWeight == null ? 1.0 : codebookWeight,
                    discWeight == null ? 1.0 : discWeight,
                    discFactor == null ? 1.0 : discFactor,
                    discStart,
                    discLoss == null ? DiscriminatorLoss.HINGE : discLoss,
                    ganStart == null ? discStart : ganStart,
                    lazyGan);
        }
    }

    /** The recipe keys of an objective record (its components' {@link JsonProperty} names), {@code type} first. */
    static Set<String> keys(Class<? extends ObjectiveSpec> type) {
        Set<String> keys = new LinkedHashSet<>();
        keys.add("type");
        for (RecordComponent component : type.getRecordComponents()) {
            keys.add(component.getAccessor().getAnnotation(JsonProperty.class).value());
        }
        return keys;
    }

    /**
     * Checks the objective section {@code node} before it is bound: its {@code type} is one of {@link #TYPES}, and
     * every key is one that type reads.
     *
     * @param where the recipe, for messages
     * @return the type's name (lower case), to bind the section with
     * @throws IllegalArgumentException naming an unknown type, a key of another objective type (and the type that reads
     *     it), or an unknown key (and the closest known one)
     */
    static String requireApplicableKeys(JsonNode node, String where) {
        JsonNode typeNode = node.get("type");
        if (typeNode != null && !typeNode.isTextual()) {
            throw new IllegalArgumentException(where + ": objective type must be one of "
                    + String.join(", ", TYPES.keySet()) + ", got " + typeNode);
        }
        String type = typeNode == null ? VAE_GAN : typeNode.asText().strip().toLowerCase(Locale.ROOT);
        Class<? extends ObjectiveSpec> record = TYPES.get(type);
        if (record == null) {
            throw new IllegalArgumentException(where + ": unknown objective type '" + typeNode.asText() + "' (one of "
                    + String.join(", ", TYPES.keySet()) + ")");
        }
        Set<String> known = keys(record);
        List<String> present = new ArrayList<>();
        node.fieldNames().forEachRemaining(present::add);
        for (String key : present) {
            if (known.contains(key)) {
                continue;
            }
            for (Map.Entry<String, Class<? extends ObjectiveSpec>> other : TYPES.entrySet()) {
                if (keys(other.getValue()).contains(key)) {
                    throw new IllegalArgumentException(where + ": objective key '" + key + "' does not apply to "
                            + "objective type " + type + " (it is read by " + other.getKey() + ")");
                }
            }
            ConfigKeys.requireKnown(where + " objective", List.of(key), known);
        }
        return type;
    }
}
