package dev.vae4j.core.model;

import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.core.nn.SpatialNorm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The configuration of a diffusers {@code VQModel}, read from and written to its {@code config.json} with diffusers'
 * keys and, when absent, diffusers' constructor defaults. The encoder and decoder are those of {@link AutoencoderKL}
 * ({@link #backbone()}), the encoder emitting one channel per latent ({@code double_z=False}); between them
 * {@code quant_conv} (latent -> {@code vq_embed_dim}), the vector quantizer ({@code num_vq_embeddings} codes, beta
 * 0.25, taming's legacy placement) and {@code post_quant_conv}. With {@code norm_type} {@code spatial} (MoVQ,
 * Kandinsky's first stage) every decoder norm is a SpatialNorm conditioned on the quantized latent
 * ({@link Decoder#spatial}).
 *
 * @param inChannels image channels
 * @param outChannels decoded image channels
 * @param downBlockTypes one {@code DownEncoderBlock2D} (or {@code AttnDownEncoderBlock2D}) per level
 * @param upBlockTypes one {@code UpDecoderBlock2D} (or {@code AttnUpDecoderBlock2D}) per level, widest first
 * @param blockOutChannels channels per level; downsampling factor {@code 2^(levels-1)}
 * @param layersPerBlock resnets per encoder level (the decoder has one more)
 * @param actFn {@code silu}
 * @param latentChannels encoder output / decoder input channels
 * @param sampleSize nominal image size
 * @param numVqEmbeddings codebook size K
 * @param normNumGroups GroupNorm groups
 * @param vqEmbedDim code dimension, or null for {@code latentChannels}
 * @param scalingFactor pipeline latent scale
 * @param normType {@code group}, or {@code spatial} (decoder channels multiples of 32, code dimension equal to the
 *     latent channels: diffusers sizes the SpatialNorms for the latent channels but feeds them the codes)
 * @param midBlockAddAttention whether the mid blocks hold self-attention
 * @param lookupFromCodebook diffusers' flag for {@code decode(h, force_not_quantize=True)}: h holds indices to look up
 *     (see {@link VQModel#decodeIndices})
 * @param forceUpcast whether fp16 pipelines run this model in fp32
 */
public record VQModelConfig(
        int inChannels,
        int outChannels,
        List<String> downBlockTypes,
        List<String> upBlockTypes,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        String actFn,
        int latentChannels,
        int sampleSize,
        int numVqEmbeddings,
        int normNumGroups,
        Integer vqEmbedDim,
        double scalingFactor,
        String normType,
        boolean midBlockAddAttention,
        boolean lookupFromCodebook,
        boolean forceUpcast) {

    /** {@code _class_name} of diffusers' VQModel. */
    public static final String CLASS_NAME = "VQModel";

    private static final String WHAT = "VQModel config";
    private static final String SPATIAL = "spatial";
    private static final long SPATIAL_GROUPS = SpatialNorm.GROUPS;
    private static final Set<String> MODELLED = Set.of(
            "in_channels",
            "out_channels",
            "down_block_types",
            "up_block_types",
            "block_out_channels",
            "layers_per_block",
            "act_fn",
            "latent_channels",
            "sample_size",
            "num_vq_embeddings",
            "norm_num_groups",
            "vq_embed_dim",
            "scaling_factor",
            "norm_type",
            "mid_block_add_attention",
            "lookup_from_codebook",
            "force_upcast",
            "_class_name",
            "_diffusers_version");

    /**
     * Validates the configuration.
     *
     * @throws IllegalArgumentException naming the key at fault (the encoder/decoder keys as {@link AutoencoderKLConfig}
     *     checks them)
     */
    public VQModelConfig {
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        blockOutChannels = List.copyOf(blockOutChannels);
        if (numVqEmbeddings < 1) {
            throw new IllegalArgumentException(WHAT + ": num_vq_embeddings must be positive, got " + numVqEmbeddings);
        }
        if (vqEmbedDim != null && vqEmbedDim < 1) {
            throw new IllegalArgumentException(WHAT + ": vq_embed_dim must be positive, got " + vqEmbedDim);
        }
        if (!"group".equals(normType) && !SPATIAL.equals(normType)) {
            throw new IllegalArgumentException(
                    WHAT + ": norm_type '" + normType + "' is not supported (expected 'group' or 'spatial')");
        }
        if (SPATIAL.equals(normType)) {
            if (vqEmbedDim != null && vqEmbedDim != latentChannels) {
                throw new IllegalArgumentException(WHAT + ": norm_type 'spatial' needs vq_embed_dim equal to"
                        + " latent_channels " + latentChannels + ", got " + vqEmbedDim
                        + " (diffusers' SpatialNorm reads the codes with latent_channels inputs)");
            }
            for (int channels : blockOutChannels) {
                if (channels % SPATIAL_GROUPS != 0) {
                    throw new IllegalArgumentException(WHAT + ": norm_type 'spatial' needs block_out_channels that are"
                            + " multiples of " + SPATIAL_GROUPS + " (SpatialNorm's GroupNorm groups), got " + channels);
                }
            }
        }
        backbone(
                inChannels,
                outChannels,
                downBlockTypes,
                upBlockTypes,
                blockOutChannels,
                layersPerBlock,
                actFn,
                latentChannels,
                normNumGroups,
                sampleSize,
                scalingFactor,
                midBlockAddAttention,
                forceUpcast);
    }

    /**
     * A config with diffusers' defaults for everything but the levels, latent channels and codebook: RGB, 1 layer per
     * block, SiLU, 32 groups, sample size 32, scaling 0.18215, group norm, mid-block attention, no codebook lookup, no
     * upcast.
     */
    public static VQModelConfig of(List<Integer> blockOutChannels, int latentChannels, int numVqEmbeddings) {
        return new VQModelConfig(
                3,
                3,
                blockOutChannels.stream().map(c -> "DownEncoderBlock2D").toList(),
                blockOutChannels.stream().map(c -> "UpDecoderBlock2D").toList(),
                blockOutChannels,
                1,
                "silu",
                latentChannels,
                32,
                numVqEmbeddings,
                32,
                null,
                0.18215,
                "group",
                true,
                false,
                false);
    }

    /** Whether the decoder's norms are SpatialNorms conditioned on the quantized latent ({@code norm_type spatial}). */
    public boolean spatialNorm() {
        return SPATIAL.equals(normType);
    }

    /** The code dimension: {@code vq_embed_dim}, or the latent channels when unset. */
    public int codeDim() {
        return vqEmbedDim == null ? latentChannels : vqEmbedDim;
    }

    /** Spatial factor between images and latents. */
    public int downsamplingFactor() {
        return 1 << (blockOutChannels.size() - 1);
    }

    /**
     * The encoder/decoder architecture as an {@link AutoencoderKLConfig}: the same keys, one moment per latent channel
     * (diffusers' {@code double_z=False}), no quant convs (the VQ model has its own).
     */
    public AutoencoderKLConfig backbone() {
        return backbone(
                inChannels,
                outChannels,
                downBlockTypes,
                upBlockTypes,
                blockOutChannels,
                layersPerBlock,
                actFn,
                latentChannels,
                normNumGroups,
                sampleSize,
                scalingFactor,
                midBlockAddAttention,
                forceUpcast);
    }

    private static AutoencoderKLConfig backbone(
            int in,
            int out,
            List<String> down,
            List<String> up,
            List<Integer> channels,
            int layers,
            String act,
            int latent,
            int groups,
            int sampleSize,
            double scaling,
            boolean midAttention,
            boolean upcast) {
        try {
            return new AutoencoderKLConfig(
                    in,
                    out,
                    down,
                    up,
                    channels,
                    layers,
                    act,
                    latent,
                    groups,
                    sampleSize,
                    scaling,
                    null,
                    null,
                    null,
                    upcast,
                    false,
                    false,
                    midAttention,
                    Map.of(),
                    ArchitectureOptions.builder()
                            .latentSampling(ArchitectureOptions.LatentSampling.ADDITIVE)
                            .latentNoiseStd(0.0)
                            .build());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replace("AutoencoderKL config", WHAT), e);
        }
    }

    /**
     * Named presets, LDM's VQ first stages ({@code models/first_stage_models/<name>/config.yaml} of
     * CompVis/latent-diffusion): {@code vq-f4} (3 levels [128, 256, 512], 3 latent channels, 8192 codes of dimension 3)
     * and {@code vq-f8} (4 levels [128, 256, 256, 512], self-attention after each resnet of the narrowest level as its
     * {@code attn_resolutions [32]} place it, 4 latent channels, 16384 codes of dimension 4); 2 layers per block,
     * sample size 256, scaling factor 1 (LDM's default {@code scale_factor}).
     */
    public static Optional<VQModelConfig> preset(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "vq-f4" -> Optional.of(ldm(List.of(128, 256, 512), false, 3, 8192));
            case "vq-f8" -> Optional.of(ldm(List.of(128, 256, 256, 512), true, 4, 16384));
            default -> Optional.empty();
        };
    }

    /** The names {@link #preset} knows. */
    public static List<String> presetNames() {
        return List.of("vq-f4", "vq-f8");
    }

    /** An LDM first stage: attention (when asked) at the narrowest level only. */
    private static VQModelConfig ldm(List<Integer> channels, boolean narrowestAttention, int latent, int codes) {
        int levels = channels.size();
        List<String> down = new ArrayList<>(Collections.nCopies(levels, "DownEncoderBlock2D"));
        List<String> up = new ArrayList<>(Collections.nCopies(levels, "UpDecoderBlock2D"));
        if (narrowestAttention) {
            down.set(levels - 1, "AttnDownEncoderBlock2D");
            up.set(0, "AttnUpDecoderBlock2D");
        }
        return new VQModelConfig(
                3, 3, down, up, channels, 2, "silu", latent, 256, codes, 32, latent, 1.0, "group", true, false, false);
    }

    /**
     * Reads a diffusers {@code config.json}.
     *
     * @throws dev.vae4j.core.FileAccessException if the file cannot be read
     * @throws ConfigFormatException naming the file and key if it is not a valid VQModel config
     */
    public static VQModelConfig read(Path file) {
        return ConfigFields.read(file, VQModelConfig::fromConfig);
    }

    /**
     * Reads a config object; missing keys take diffusers' defaults, diffusers' bookkeeping keys are ignored.
     *
     * @throws ConfigFormatException naming the key for an unknown key or a bad value
     */
    public static VQModelConfig fromConfig(ModelConfig config) {
        ConfigFields f = config.fields(WHAT);
        f.require(
                CLASS_NAME.equals(config.className()),
                "_class_name is '" + config.className() + "', expected " + CLASS_NAME);
        Set<String> known = new TreeSet<>(MODELLED);
        known.addAll(AutoencoderKLConfig.DIFFUSERS_BOOKKEEPING);
        f.requireKnownKeys(known);
        Double vqEmbedDim = f.optionalNumber("vq_embed_dim");
        f.require(
                vqEmbedDim == null || vqEmbedDim == Math.rint(vqEmbedDim),
                "vq_embed_dim must be an integer, got " + vqEmbedDim);
        return ConfigFields.construct(() -> new VQModelConfig(
                f.integer("in_channels", 3),
                f.integer("out_channels", 3),
                f.texts("down_block_types", List.of("DownEncoderBlock2D")),
                f.texts("up_block_types", List.of("UpDecoderBlock2D")),
                f.integers("block_out_channels", List.of(64)),
                f.integer("layers_per_block", 1),
                f.text("act_fn", "silu"),
                f.integer("latent_channels", 3),
                f.integer("sample_size", 32),
                f.integer("num_vq_embeddings", 256),
                f.integer("norm_num_groups", 32),
                vqEmbedDim == null ? null : vqEmbedDim.intValue(),
                f.number("scaling_factor", 0.18215),
                f.text("norm_type", "group"),
                f.bool("mid_block_add_attention", true),
                f.bool("lookup_from_codebook", false),
                f.bool("force_upcast", false)));
    }

    /** This config as diffusers writes it (keys sorted). */
    public ModelConfig toConfig() {
        Map<String, Object> fields = new TreeMap<>();
        fields.put("_class_name", CLASS_NAME);
        fields.put("_diffusers_version", AutoencoderKLConfig.DIFFUSERS_VERSION);
        fields.put("in_channels", inChannels);
        fields.put("out_channels", outChannels);
        fields.put("down_block_types", downBlockTypes);
        fields.put("up_block_types", upBlockTypes);
        fields.put("block_out_channels", blockOutChannels);
        fields.put("layers_per_block", layersPerBlock);
        fields.put("act_fn", actFn);
        fields.put("latent_channels", latentChannels);
        fields.put("sample_size", sampleSize);
        fields.put("num_vq_embeddings", numVqEmbeddings);
        fields.put("norm_num_groups", normNumGroups);
        fields.put("vq_embed_dim", vqEmbedDim);
        fields.put("scaling_factor", scalingFactor);
        fields.put("norm_type", normType);
        fields.put("mid_block_add_attention", midBlockAddAttention);
        fields.put("lookup_from_codebook", lookupFromCodebook);
        fields.put("force_upcast", forceUpcast);
        return ModelConfig.of(fields);
    }

    /** Writes {@link #toConfig()} to {@code file} atomically. */
    public void write(Path file) {
        AtomicFiles.writeString(file, toConfig().toJson() + "\n");
    }
}
