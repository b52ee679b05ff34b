package dev.vae4j.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The non-diffusers architecture options of an {@link AutoencoderKLConfig}: the variants open-source trainers use
 * ({@code cloneofsimo/vqgan-training} {@code ae.py}, {@code stanipov/pytorch-diffusion} {@code Encoder2/Decoder2}).
 * {@link #DIFFUSERS} is diffusers' architecture; a config.json carries a key of this record only when its value differs
 * from that default, so a diffusers config round-trips unchanged.
 *
 * @param blockLayout {@code block_layout}: {@code diffusers} (pre-activation resnets that change channels, the decoder
 *     with one more resnet per level, SiLU before its conv_out) or {@code post_activation} (stanipov/pytorch-diffusion,
 *     after The Annotated Diffusion Model: post-activation resnets {@code conv -> GroupNorm -> SiLU} at constant
 *     channels, the resampler changes channels and is followed by {@code GroupNorm(max(1, out/4))}, the last level has
 *     a 3x3 conv in place of a resampler, {@code layers_per_block} resnets in the decoder, decoder head
 *     {@code GroupNorm -> conv} without SiLU)
 * @param downBlockAttention {@code down_block_attention}: per encoder level, the attention after its resnets
 * @param upBlockAttention {@code up_block_attention}: per decoder level (widest first), the attention after its resnets
 * @param midBlockAttention {@code mid_block_attention_type}: the kind of the mid-block attention (when
 *     {@code mid_block_add_attention} holds); never {@link AttentionKind#NONE}
 * @param attentionHeadDim {@code attention_head_dim}: channels per head of multi-head and linear attention
 * @param linearAttentionHeads {@code linear_attention_heads}: heads of linear attention
 * @param downsample {@code downsample_type}
 * @param upsample {@code upsample_type}
 * @param weightStandardized {@code weight_standardized_convs}: resnet convs, the encoder's and decoder's output convs,
 *     the decoder's input conv, the last level's channel conv and the quant convs standardise their weights per output
 *     channel (stanipov/pytorch-diffusion)
 * @param outputActivation {@code output_activation}: applied to decoded images
 * @param latentSampling {@code latent_sampling}: how the posterior is formed from the encoder output
 * @param latentNoiseStd {@code latent_noise_std}: sigma of the two constant-variance samplings
 * @param normEps {@code norm_eps}: epsilon of the GroupNorms of diffusers' layout and of the post-activation layout's
 *     encoder/decoder heads (the post-activation resnets, resamplers and attentions use PyTorch's default 1e-5)
 */
public record ArchitectureOptions(
        BlockLayout blockLayout,
        List<AttentionKind> downBlockAttention,
        List<AttentionKind> upBlockAttention,
        AttentionKind midBlockAttention,
        int attentionHeadDim,
        int linearAttentionHeads,
        DownsampleKind downsample,
        UpsampleKind upsample,
        boolean weightStandardized,
        OutputActivation outputActivation,
        LatentSampling latentSampling,
        double latentNoiseStd,
        double normEps) {

    /** diffusers' architecture: no option set. Per-level attention lists empty mean "none at every level". */
    public static final ArchitectureOptions DIFFUSERS = new ArchitectureOptions(
            BlockLayout.DIFFUSERS,
            List.of(),
            List.of(),
            AttentionKind.SPATIAL,
            64,
            4,
            DownsampleKind.CONV,
            UpsampleKind.NEAREST,
            false,
            OutputActivation.NONE,
            LatentSampling.GAUSSIAN,
            0.1,
            1e-6);

    /** The JSON keys of this record. */
    public static final Set<String> KEYS = Set.of(
            "block_layout",
            "down_block_attention",
            "up_block_attention",
            "mid_block_attention_type",
            "attention_head_dim",
            "linear_attention_heads",
            "downsample_type",
            "upsample_type",
            "weight_standardized_convs",
            "output_activation",
            "latent_sampling",
            "latent_noise_std",
            "norm_eps");

    /** Normalises the lists; checks what needs no channel counts (see {@link AutoencoderKLConfig} for the rest). */
    public ArchitectureOptions {
        downBlockAttention = List.copyOf(downBlockAttention);
        upBlockAttention = List.copyOf(upBlockAttention);
        require(
                midBlockAttention != AttentionKind.NONE,
                "mid_block_attention_type 'none': use " + "mid_block_add_attention false");
        require(attentionHeadDim > 0, "attention_head_dim must be positive, got " + attentionHeadDim);
        require(linearAttentionHeads > 0, "linear_attention_heads must be positive, got " + linearAttentionHeads);
        require(
                latentNoiseStd >= 0 && Double.isFinite(latentNoiseStd),
                "latent_noise_std must be >= 0, got " + latentNoiseStd);
        require(normEps > 0, "norm_eps must be positive, got " + normEps);
        require(
                blockLayout == BlockLayout.DIFFUSERS || downsample != DownsampleKind.CONV,
                "downsample_type 'conv' (SD's padded strided conv) needs block_layout 'diffusers'");
    }

    /**
     * A builder starting from {@link #DIFFUSERS}, e.g.
     * {@code builder().latentSampling(LatentSampling.MULTIPLICATIVE).build()}.
     */
    public static Builder builder() {
        return new Builder(DIFFUSERS);
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("AutoencoderKL config: " + message);
        }
    }

    /** The attention of encoder level {@code level} (none when the list is shorter). */
    public AttentionKind downAttention(int level) {
        return level < downBlockAttention.size() ? downBlockAttention.get(level) : AttentionKind.NONE;
    }

    /** The attention of decoder level {@code level}, widest first (none when the list is shorter). */
    public AttentionKind upAttention(int level) {
        return level < upBlockAttention.size() ? upBlockAttention.get(level) : AttentionKind.NONE;
    }

    /** Encoder output channels per latent channel: 2 (mean, logvar) for Gaussian sampling, else 1. */
    public int momentsPerLatent() {
        return latentSampling == LatentSampling.GAUSSIAN ? 2 : 1;
    }

    /** Reads the options from a config object; absent keys take the {@link #DIFFUSERS} values. */
    static ArchitectureOptions fromConfig(ConfigFields f) {
        ArchitectureOptions d = DIFFUSERS;
        return new ArchitectureOptions(
                named(BlockLayout.class, f, "block_layout", d.blockLayout),
                attentionList(f, "down_block_attention"),
                attentionList(f, "up_block_attention"),
                named(AttentionKind.class, f, "mid_block_attention_type", d.midBlockAttention),
                f.integer("attention_head_dim", d.attentionHeadDim),
                f.integer("linear_attention_heads", d.linearAttentionHeads),
                named(DownsampleKind.class, f, "downsample_type", d.downsample),
                named(UpsampleKind.class, f, "upsample_type", d.upsample),
                f.bool("weight_standardized_convs", d.weightStandardized),
                named(OutputActivation.class, f, "output_activation", d.outputActivation),
                named(LatentSampling.class, f, "latent_sampling", d.latentSampling),
                f.number("latent_noise_std", d.latentNoiseStd),
                f.number("norm_eps", d.normEps));
    }

    /** Puts every option that differs from {@link #DIFFUSERS} into {@code fields} under its JSON name. */
    void writeNonDefaults(Map<String, Object> fields) {
        ArchitectureOptions d = DIFFUSERS;
        putIf(fields, blockLayout != d.blockLayout, "block_layout", blockLayout.jsonName());
        putIf(
                fields,
                downBlockAttention.stream().anyMatch(k -> k != AttentionKind.NONE),
                "down_block_attention",
                names(downBlockAttention));
        putIf(
                fields,
                upBlockAttention.stream().anyMatch(k -> k != AttentionKind.NONE),
                "up_block_attention",
                names(upBlockAttention));
        putIf(
                fields,
                midBlockAttention != d.midBlockAttention,
                "mid_block_attention_type",
                midBlockAttention.jsonName());
        putIf(fields, attentionHeadDim != d.attentionHeadDim, "attention_head_dim", attentionHeadDim);
        putIf(fields, linearAttentionHeads != d.linearAttentionHeads, "linear_attention_heads", linearAttentionHeads);
        putIf(fields, downsample != d.downsample, "downsample_type", downsample.jsonName());
        putIf(fields, upsample != d.upsample, "upsample_type", upsample.jsonName());
        putIf(fields, weightStandardized, "weight_standardized_convs", true);
        putIf(fields, outputActivation != d.outputActivation, "output_activation", outputActivation.jsonName());
        putIf(fields, latentSampling != d.latentSampling, "latent_sampling", latentSampling.jsonName());
        putIf(fields, latentNoiseStd != d.latentNoiseStd, "latent_noise_std", latentNoiseStd);
        putIf(fields, normEps != d.normEps, "norm_eps", normEps);
    }

    private static void putIf(Map<String, Object> fields, boolean condition, String key, Object value) {
        if (condition) {
            fields.put(key, value);
        }
    }

    private static List<String> names(List<AttentionKind> kinds) {
        return kinds.stream().map(AttentionKind::jsonName).toList();
    }

    private static List<AttentionKind> attentionList(ConfigFields f, String key) {
        JsonNode node = f.present(key);
        if (node == null) {
            return List.of();
        }
        require(node.isArray(), key + " must be a list, got " + node);
        List<AttentionKind> kinds = new ArrayList<>();
        node.forEach(item -> kinds.add(parse(AttentionKind.class, key, item.asText())));
        return Collections.unmodifiableList(kinds);
    }

    private static <E extends Enum<E> & Named> E named(Class<E> type, ConfigFields f, String key, E fallback) {
        JsonNode node = f.present(key);
        return node == null ? fallback : parse(type, key, node.asText());
    }

    /** The constant of {@code type} whose JSON name is {@code value}; an error naming the field and the choices. */
    static <E extends Enum<E> & Named> E parse(Class<E> type, String key, String value) {
        for (E constant : type.getEnumConstants()) {
            if (constant.jsonName().equals(value.toLowerCase(Locale.ROOT))) {
                return constant;
            }
        }
        List<String> known = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            known.add(constant.jsonName());
        }
        throw new IllegalArgumentException(
                "AutoencoderKL config: unknown " + key + " '" + value + "' (known: " + known + ")");
    }

    /** An option value with a JSON spelling. */
    public interface Named {
        /** The value as written in config.json. */
        String jsonName();
    }

    /** How blocks are laid out: diffusers' or the post-activation layout of stanipov/pytorch-diffusion (record doc). */
    public enum BlockLayout implements Named {
        DIFFUSERS,
        POST_ACTIVATION;

        @Override
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Attention kinds: {@code none}; {@code spatial} (diffusers single-head, linear q/k/v/out); {@code multi_head}
     * (cloneofsimo/vqgan-training: GroupNorm, 1x1 conv qkv and proj_out without bias, heads of
     * {@code attention_head_dim}); {@code linear} (stanipov/pytorch-diffusion: GroupNorm(1) pre-norm, softmax of q over
     * channels and of k over positions).
     */
    public enum AttentionKind implements Named {
        NONE,
        SPATIAL,
        MULTI_HEAD,
        LINEAR;

        @Override
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Downsampling: SD's padded stride-2 conv, or 2x2 average/max pooling followed by a 3x3 conv
     * (stanipov/pytorch-diffusion).
     */
    public enum DownsampleKind implements Named {
        CONV,
        AVG_POOL,
        MAX_POOL;

        @Override
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Upsampling by 2 with {@code nearest}, {@code bilinear} or {@code bicubic} interpolation, then a 3x3 conv. */
    public enum UpsampleKind implements Named {
        NEAREST,
        BILINEAR,
        BICUBIC;

        @Override
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Activation on decoded images: {@code none} or {@code tanh} (stanipov/pytorch-diffusion, for LPIPS on raw decoder
     * output).
     */
    public enum OutputActivation implements Named {
        NONE,
        TANH;

        @Override
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Posterior forms: {@code gaussian} (encoder emits mean and logvar, diffusers); {@code multiplicative}
     * (cloneofsimo/vqgan-training's "constant variance": the encoder emits z only, samples are {@code z * (1 + std *
     * eps)}); {@code additive} (encoder emits z only, samples are {@code z + std * eps}).
     */
    public enum LatentSampling implements Named {
        GAUSSIAN,
        MULTIPLICATIVE,
        ADDITIVE;

        @Override
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Builds a {@link ArchitectureOptions} by name; {@link #build()} validates like the record's constructor. */
    public static final class Builder {
        private BlockLayout blockLayout;
        private List<AttentionKind> downBlockAttention;
        private List<AttentionKind> upBlockAttention;
        private AttentionKind midBlockAttention;
        private int attentionHeadDim;
        private int linearAttentionHeads;
        private DownsampleKind downsample;
        private UpsampleKind upsample;
        private boolean weightStandardized;
        private OutputActivation outputActivation;
        private LatentSampling latentSampling;
        private double latentNoiseStd;
        private double normEps;

        private Builder(ArchitectureOptions from) {
            blockLayout = from.blockLayout;
            downBlockAttention = from.downBlockAttention;
            upBlockAttention = from.upBlockAttention;
            midBlockAttention = from.midBlockAttention;
            attentionHeadDim = from.attentionHeadDim;
            linearAttentionHeads = from.linearAttentionHeads;
            downsample = from.downsample;
            upsample = from.upsample;
            weightStandardized = from.weightStandardized;
            outputActivation = from.outputActivation;
            latentSampling = from.latentSampling;
            latentNoiseStd = from.latentNoiseStd;
            normEps = from.normEps;
        }

        /** Sets {@code block_layout}. */
        public Builder blockLayout(BlockLayout value) {
            blockLayout = value;
            return this;
        }

        /** Sets {@code down_block_attention}: per encoder level. */
        public Builder downBlockAttention(List<AttentionKind> value) {
            downBlockAttention = value;
            return this;
        }

        /** Sets {@code up_block_attention}: per decoder level, widest first. */
        public Builder upBlockAttention(List<AttentionKind> value) {
            upBlockAttention = value;
            return this;
        }

        /** Sets {@code mid_block_attention_type} (never {@link AttentionKind#NONE}). */
        public Builder midBlockAttention(AttentionKind value) {
            midBlockAttention = value;
            return this;
        }

        /** Sets {@code attention_head_dim}: channels per head. */
        public Builder attentionHeadDim(int value) {
            attentionHeadDim = value;
            return this;
        }

        /** Sets {@code linear_attention_heads}. */
        public Builder linearAttentionHeads(int value) {
            linearAttentionHeads = value;
            return this;
        }

        /** Sets {@code downsample_type}. */
        public Builder downsample(DownsampleKind value) {
            downsample = value;
            return this;
        }

        /** Sets {@code upsample_type}. */
        public Builder upsample(UpsampleKind value) {
            upsample = value;
            return this;
        }

        /** Sets {@code weight_standardized_convs}. */
        public Builder weightStandardized(boolean value) {
            weightStandardized = value;
            return this;
        }

        /** Sets {@code output_activation}. */
        public Builder outputActivation(OutputActivation value) {
            outputActivation = value;
            return this;
        }

        /** Sets {@code latent_sampling}. */
        public Builder latentSampling(LatentSampling value) {
            latentSampling = value;
            return this;
        }

        /** Sets {@code latent_noise_std}: sigma of the constant-variance samplings. */
        public Builder latentNoiseStd(double value) {
            latentNoiseStd = value;
            return this;
        }

        /** Sets {@code norm_eps}. */
        public Builder normEps(double value) {
            normEps = value;
            return this;
        }

        /** The configuration. */
        public ArchitectureOptions build() {
            return new ArchitectureOptions(
                    blockLayout,
                    downBlockAttention,
                    upBlockAttention,
                    midBlockAttention,
                    attentionHeadDim,
                    linearAttentionHeads,
                    downsample,
                    upsample,
                    weightStandardized,
                    outputActivation,
                    latentSampling,
                    latentNoiseStd,
                    normEps);
        }
    }
}
