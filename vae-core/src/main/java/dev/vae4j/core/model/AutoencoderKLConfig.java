package dev.vae4j.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vae4j.core.io.AtomicFiles;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The configuration of a diffusers {@code AutoencoderKL}, read from and written to its {@code config.json}. Fields
 * carry diffusers' names and, when absent from a file, diffusers' constructor defaults. Keys are strict: an unknown key
 * is an error naming it (with the closest known key), except diffusers' bookkeeping keys
 * ({@link #DIFFUSERS_BOOKKEEPING}, such as {@code _name_or_path}), which are kept verbatim in {@link #extras()} and
 * written back; {@code _diffusers_version} is rewritten as {@link #DIFFUSERS_VERSION}, as diffusers does on save.
 *
 * @param inChannels image channels (3 for RGB)
 * @param outChannels decoded image channels
 * @param downBlockTypes one {@code "DownEncoderBlock2D"} per resolution level
 * @param upBlockTypes one {@code "UpDecoderBlock2D"} per resolution level
 * @param blockOutChannels channels per level; the spatial downsampling factor is {@code 2^(levels-1)}
 * @param layersPerBlock resnets per encoder level (the decoder has one more)
 * @param actFn activation; only {@code silu} (alias {@code swish}) exists in diffusers' VAE
 * @param latentChannels channels of the latent z
 * @param normNumGroups GroupNorm groups everywhere
 * @param sampleSize nominal image size in pixels (used as the tile size by tiling)
 * @param scalingFactor latent scale applied by pipelines, {@code (z - shift) * scale}
 * @param shiftFactor latent shift applied by pipelines, or null
 * @param latentsMean per-channel latent mean (SDXL-family pipelines) or null
 * @param latentsStd per-channel latent std or null
 * @param forceUpcast whether fp16 pipelines run this VAE in fp32
 * @param useQuantConv whether the 1x1 {@code quant_conv} exists
 * @param usePostQuantConv whether the 1x1 {@code post_quant_conv} exists
 * @param midBlockAddAttention whether the mid blocks hold self-attention
 * @param extras unmodelled keys of the source file (diffusers' bookkeeping), each with its value as JSON text, written
 *     back unchanged
 * @param options the non-diffusers architecture options (upstream trainers' variants), written only where they differ
 *     from {@link ArchitectureOptions#DIFFUSERS}
 */
public record AutoencoderKLConfig(
        int inChannels,
        int outChannels,
        List<String> downBlockTypes,
        List<String> upBlockTypes,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        String actFn,
        int latentChannels,
        int normNumGroups,
        int sampleSize,
        double scalingFactor,
        Double shiftFactor,
        List<Double> latentsMean,
        List<Double> latentsStd,
        boolean forceUpcast,
        boolean useQuantConv,
        boolean usePostQuantConv,
        boolean midBlockAddAttention,
        Map<String, String> extras,
        ArchitectureOptions options) {

    /** Class name diffusers expects in {@code _class_name}. */
    public static final String CLASS_NAME = "AutoencoderKL";
    /**
     * Written as {@code _diffusers_version}: the diffusers release our parity fixtures come from, whose
     * {@code from_pretrained} reads what {@link #write(Path)} writes (diffusers itself stamps its own version on save).
     */
    public static final String DIFFUSERS_VERSION = "0.42.1";

    private static final String DOWN_BLOCK = "DownEncoderBlock2D";
    private static final String UP_BLOCK = "UpDecoderBlock2D";
    private static final String ATTN_DOWN_BLOCK = "AttnDownEncoderBlock2D";
    private static final String ATTN_UP_BLOCK = "AttnUpDecoderBlock2D";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> MODELLED = Set.of(
            "in_channels",
            "out_channels",
            "down_block_types",
            "up_block_types",
            "block_out_channels",
            "layers_per_block",
            "act_fn",
            "latent_channels",
            "norm_num_groups",
            "sample_size",
            "scaling_factor",
            "shift_factor",
            "latents_mean",
            "latents_std",
            "force_upcast",
            "use_quant_conv",
            "use_post_quant_conv",
            "mid_block_add_attention",
            "_class_name",
            "_diffusers_version");
    /**
     * Keys diffusers writes into {@code config.json} files for its own bookkeeping (they are not constructor
     * arguments): accepted, kept in {@link #extras()} and written back. Any other unknown key is an error.
     */
    public static final Set<String> DIFFUSERS_BOOKKEEPING =
            Set.of("_name_or_path", "_use_default_values", "_commit_hash");

    /** Validates the configuration; throws {@link IllegalArgumentException} naming the field at fault. */
    public AutoencoderKLConfig {
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        blockOutChannels = List.copyOf(blockOutChannels);
        latentsMean = latentsMean == null ? null : List.copyOf(latentsMean);
        latentsStd = latentsStd == null ? null : List.copyOf(latentsStd);
        extras = Collections.unmodifiableMap(new TreeMap<>(extras));
        options = options == null ? ArchitectureOptions.DIFFUSERS : options;
        require(inChannels > 0, "in_channels must be positive, got " + inChannels);
        require(outChannels > 0, "out_channels must be positive, got " + outChannels);
        require(latentChannels > 0, "latent_channels must be positive, got " + latentChannels);
        require(layersPerBlock > 0, "layers_per_block must be positive, got " + layersPerBlock);
        require(normNumGroups > 0, "norm_num_groups must be positive, got " + normNumGroups);
        require(!blockOutChannels.isEmpty(), "block_out_channels is empty");
        require(
                downBlockTypes.size() == blockOutChannels.size(),
                "down_block_types has " + downBlockTypes.size() + " entries but block_out_channels has "
                        + blockOutChannels.size());
        require(
                upBlockTypes.size() == blockOutChannels.size(),
                "up_block_types has " + upBlockTypes.size() + " entries but block_out_channels has "
                        + blockOutChannels.size());
        for (int level = 0; level < downBlockTypes.size(); level++) {
            String down = downBlockTypes.get(level);
            String up = upBlockTypes.get(level);
            require(
                    DOWN_BLOCK.equals(down) || ATTN_DOWN_BLOCK.equals(down),
                    "unsupported down block type '" + down + "' (only " + DOWN_BLOCK + ", " + ATTN_DOWN_BLOCK + ")");
            require(
                    UP_BLOCK.equals(up) || ATTN_UP_BLOCK.equals(up),
                    "unsupported up block type '" + up + "' (only " + UP_BLOCK + ", " + ATTN_UP_BLOCK + ")");
            boolean levelAttention = ATTN_DOWN_BLOCK.equals(down) || ATTN_UP_BLOCK.equals(up);
            require(
                    !levelAttention
                            || options.blockLayout() == ArchitectureOptions.BlockLayout.DIFFUSERS
                                    && options.downAttention(level) == ArchitectureOptions.AttentionKind.NONE
                                    && options.upAttention(level) == ArchitectureOptions.AttentionKind.NONE,
                    "level " + level + ": " + ATTN_DOWN_BLOCK + "/" + ATTN_UP_BLOCK
                            + " need block_layout 'diffusers' and no down/up_block_attention at that level");
            require(
                    !levelAttention || blockOutChannels.get(level) % normNumGroups == 0,
                    "level " + level + " attention: " + blockOutChannels.get(level)
                            + " channels are not divisible by norm_num_groups " + normNumGroups);
        }
        String act = actFn.toLowerCase(Locale.ROOT);
        require(act.equals("silu") || act.equals("swish"), "unsupported act_fn '" + actFn + "' (only silu/swish)");
        for (int channels : blockOutChannels) {
            require(
                    channels > 0 && channels % normNumGroups == 0,
                    "block_out_channels entry " + channels + " is not a positive multiple of norm_num_groups "
                            + normNumGroups);
        }
        require(
                scalingFactor > 0 && Double.isFinite(scalingFactor),
                "scaling_factor must be positive, got " + scalingFactor);
        if (latentsMean != null || latentsStd != null) {
            require(latentsMean != null && latentsStd != null, "latents_mean and latents_std must be given together");
            require(
                    latentsMean.size() == latentChannels && latentsStd.size() == latentChannels,
                    "latents_mean/latents_std need " + latentChannels + " entries (latent_channels)");
        }
        VariantChecks.check(blockOutChannels, normNumGroups, midBlockAddAttention, options);
    }

    /** This config with other architecture options. */
    public AutoencoderKLConfig withOptions(ArchitectureOptions newOptions) {
        return new AutoencoderKLConfig(
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
                shiftFactor,
                latentsMean,
                latentsStd,
                forceUpcast,
                useQuantConv,
                usePostQuantConv,
                midBlockAddAttention,
                extras,
                newOptions);
    }

    /**
     * A builder of a diffusers architecture with {@code blockOutChannels.size()} levels (one
     * {@code DownEncoderBlock2D}/{@code UpDecoderBlock2D} each) and diffusers' constructor defaults for everything
     * else: RGB in and out, 1 layer per block, SiLU, 32 groups, sample size 32, scaling 0.18215 without shift or latent
     * statistics, force_upcast, both quant convs, mid-block attention, {@link ArchitectureOptions#DIFFUSERS}.
     *
     * @param blockOutChannels channels per level, e.g. {@code List.of(128, 256, 512, 512)} for SD
     * @param latentChannels channels of the latent z
     */
    public static Builder builder(List<Integer> blockOutChannels, int latentChannels) {
        return new Builder(blockOutChannels, latentChannels);
    }

    /** A builder starting from this configuration (extras and {@code act_fn} are kept). */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("AutoencoderKL config: " + message);
        }
    }

    /**
     * Whether encoder level {@code level} is an {@code AttnDownEncoderBlock2D} (self-attention after each resnet, as
     * LDM's {@code attn_resolutions} place it).
     */
    public boolean downLevelAttention(int level) {
        return ATTN_DOWN_BLOCK.equals(downBlockTypes.get(level));
    }

    /** Whether decoder level {@code level} (widest first) is an {@code AttnUpDecoderBlock2D}. */
    public boolean upLevelAttention(int level) {
        return ATTN_UP_BLOCK.equals(upBlockTypes.get(level));
    }

    /** Number of resolution levels. */
    public int levels() {
        return blockOutChannels.size();
    }

    /** Spatial downsampling factor between images and latents, {@code 2^(levels-1)} (8 for SD). */
    public int downsamplingFactor() {
        return 1 << (levels() - 1);
    }

    /** A config with the SD-style architecture: 4 levels [128, 256, 512, 512], 2 layers per block, 32 groups. */
    private static AutoencoderKLConfig sdFamily(
            int latentChannels, int sampleSize, double scaling, Double shift, boolean quantConvs) {
        return builder(List.of(128, 256, 512, 512), latentChannels)
                .layersPerBlock(2)
                .sampleSize(sampleSize)
                .scaling(scaling, shift)
                .quantConvs(quantConvs)
                .build();
    }

    /**
     * Named presets: {@code sd} (SD 1.x/2.x, {@code stabilityai/sd-vae-ft-mse}), {@code sdxl}, {@code sd3},
     * {@code flux} (FLUX.1). The architecture and factors equal the published {@code config.json} files.
     */
    public static AutoencoderKLConfig preset(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "sd", "sd1", "sd2", "sd-vae-ft-mse" -> sdFamily(4, 256, 0.18215, null, true);
            case "sdxl" -> sdFamily(4, 1024, 0.13025, null, true);
            case "sd3" -> sdFamily(16, 1024, 1.5305, 0.0609, false);
            case "flux" -> sdFamily(16, 1024, 0.3611, 0.1159, false);
            case "vqgan-training-f8c16" -> UpstreamPresets.vqganTrainingF8c16();
            case "linear-attention-f8c4" -> UpstreamPresets.linearAttentionF8c4();
            default -> throw new IllegalArgumentException("unknown preset '" + name + "'; known: " + presetNames());
        };
    }

    /** The names {@link #preset(String)} accepts (canonical ones). */
    public static List<String> presetNames() {
        return List.of("sd", "sdxl", "sd3", "flux", "vqgan-training-f8c16", "linear-attention-f8c4");
    }

    /**
     * Reads a diffusers {@code config.json}; missing keys take diffusers' constructor defaults.
     *
     * @throws dev.vae4j.core.FileAccessException if the file cannot be read
     * @throws ConfigFormatException naming the file and key if it is not a valid AutoencoderKL config
     */
    public static AutoencoderKLConfig read(Path file) {
        return ConfigFields.read(file, AutoencoderKLConfig::fromConfig);
    }

    /** Every key {@link #fromConfig} accepts. */
    public static Set<String> knownKeys() {
        Set<String> known = new TreeSet<>(MODELLED);
        known.addAll(ArchitectureOptions.KEYS);
        known.addAll(DIFFUSERS_BOOKKEEPING);
        return known;
    }

    /**
     * Reads a diffusers config; missing keys take diffusers' constructor defaults.
     *
     * @throws ConfigFormatException naming the key for an unknown key (with the closest known one) or a bad value
     */
    public static AutoencoderKLConfig fromConfig(ModelConfig config) {
        ConfigFields f = config.fields("AutoencoderKL config");
        f.require(
                CLASS_NAME.equals(config.className()),
                "_class_name is '" + config.className() + "', expected " + CLASS_NAME);
        Map<String, String> extras = new TreeMap<>();
        for (String key : f.keys()) {
            if (DIFFUSERS_BOOKKEEPING.contains(key)) {
                extras.put(key, f.json(key));
            } else if (!MODELLED.contains(key) && !ArchitectureOptions.KEYS.contains(key)) {
                throw new ConfigFormatException(ConfigKeys.unknownKeyMessage("AutoencoderKL config", key, knownKeys()));
            }
        }
        return ConfigFields.construct(() -> new AutoencoderKLConfig(
                f.integer("in_channels", 3),
                f.integer("out_channels", 3),
                f.texts("down_block_types", List.of(DOWN_BLOCK)),
                f.texts("up_block_types", List.of(UP_BLOCK)),
                f.integers("block_out_channels", List.of(64)),
                f.integer("layers_per_block", 1),
                f.text("act_fn", "silu"),
                f.integer("latent_channels", 4),
                f.integer("norm_num_groups", 32),
                f.integer("sample_size", 32),
                f.number("scaling_factor", 0.18215),
                f.optionalNumber("shift_factor"),
                f.numbers("latents_mean"),
                f.numbers("latents_std"),
                f.bool("force_upcast", true),
                f.bool("use_quant_conv", true),
                f.bool("use_post_quant_conv", true),
                f.bool("mid_block_add_attention", true),
                extras,
                ArchitectureOptions.fromConfig(f)));
    }

    private static JsonNode parseJson(String json) {
        try {
            return JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("AutoencoderKL config: an extra key holds invalid JSON " + json, e);
        }
    }

    /** This config as diffusers writes it to {@code config.json} (keys sorted). */
    public ModelConfig toConfig() {
        Map<String, Object> fields = new TreeMap<>();
        fields.put("_class_name", CLASS_NAME);
        fields.put("_diffusers_version", DIFFUSERS_VERSION);
        extras.forEach((key, json) -> fields.put(key, parseJson(json)));
        fields.put("in_channels", inChannels);
        fields.put("out_channels", outChannels);
        fields.put("down_block_types", downBlockTypes);
        fields.put("up_block_types", upBlockTypes);
        fields.put("block_out_channels", blockOutChannels);
        fields.put("layers_per_block", layersPerBlock);
        fields.put("act_fn", actFn);
        fields.put("latent_channels", latentChannels);
        fields.put("norm_num_groups", normNumGroups);
        fields.put("sample_size", sampleSize);
        fields.put("scaling_factor", scalingFactor);
        fields.put("shift_factor", shiftFactor);
        fields.put("latents_mean", latentsMean);
        fields.put("latents_std", latentsStd);
        fields.put("force_upcast", forceUpcast);
        fields.put("use_quant_conv", useQuantConv);
        fields.put("use_post_quant_conv", usePostQuantConv);
        fields.put("mid_block_add_attention", midBlockAddAttention);
        options.writeNonDefaults(fields);
        return ModelConfig.of(fields);
    }

    /** Writes {@link #toConfig()} to {@code file} atomically (a failed write leaves the previous file intact). */
    public void write(Path file) {
        AtomicFiles.writeString(file, toConfig().toJson() + "\n");
    }

    /**
     * Builds an {@link AutoencoderKLConfig} by name; the block type lists follow the number of levels, and
     * {@link #build()} validates like the record's constructor.
     */
    public static final class Builder {
        private int inChannels = 3;
        private int outChannels = 3;
        private List<Integer> blockOutChannels;
        private int layersPerBlock = 1;
        private String actFn = "silu";
        private int latentChannels;
        private int normNumGroups = 32;
        private int sampleSize = 32;
        private double scalingFactor = 0.18215;
        private Double shiftFactor;
        private List<Double> latentsMean;
        private List<Double> latentsStd;
        private boolean forceUpcast = true;
        private boolean useQuantConv = true;
        private boolean usePostQuantConv = true;
        private boolean midBlockAddAttention = true;
        private Map<String, String> extras = Map.of();
        private ArchitectureOptions options = ArchitectureOptions.DIFFUSERS;

        private Builder(List<Integer> blockOutChannels, int latentChannels) {
            this.blockOutChannels = blockOutChannels;
            this.latentChannels = latentChannels;
        }

        private Builder(AutoencoderKLConfig from) {
            inChannels = from.inChannels;
            outChannels = from.outChannels;
            blockOutChannels = from.blockOutChannels;
            layersPerBlock = from.layersPerBlock;
            actFn = from.actFn;
            latentChannels = from.latentChannels;
            normNumGroups = from.normNumGroups;
            sampleSize = from.sampleSize;
            scalingFactor = from.scalingFactor;
            shiftFactor = from.shiftFactor;
            latentsMean = from.latentsMean;
            latentsStd = from.latentsStd;
            forceUpcast = from.forceUpcast;
            useQuantConv = from.useQuantConv;
            usePostQuantConv = from.usePostQuantConv;
            midBlockAddAttention = from.midBlockAddAttention;
            extras = from.extras;
            options = from.options;
        }

        /** Image channels in and decoded image channels out. */
        public Builder imageChannels(int in, int out) {
            inChannels = in;
            outChannels = out;
            return this;
        }

        /** Channels per level (the number of levels follows). */
        public Builder blockOutChannels(List<Integer> value) {
            blockOutChannels = value;
            return this;
        }

        /** Resnets per encoder level (the decoder has one more). */
        public Builder layersPerBlock(int value) {
            layersPerBlock = value;
            return this;
        }

        /** Channels of the latent z. */
        public Builder latentChannels(int value) {
            latentChannels = value;
            return this;
        }

        /** GroupNorm groups everywhere. */
        public Builder normNumGroups(int value) {
            normNumGroups = value;
            return this;
        }

        /** Nominal image size in pixels (the tile size of tiling). */
        public Builder sampleSize(int value) {
            sampleSize = value;
            return this;
        }

        /** Latent scale and shift of pipelines, {@code (z - shift) * scale}; {@code shift} may be null. */
        public Builder scaling(double scale, Double shift) {
            scalingFactor = scale;
            shiftFactor = shift;
            return this;
        }

        /** Per-channel latent mean and std (SDXL-family pipelines), both or neither (null). */
        public Builder latentStatistics(List<Double> mean, List<Double> std) {
            latentsMean = mean;
            latentsStd = std;
            return this;
        }

        /** Whether fp16 pipelines run this VAE in fp32. */
        public Builder forceUpcast(boolean value) {
            forceUpcast = value;
            return this;
        }

        /** Whether the 1x1 {@code quant_conv} and {@code post_quant_conv} exist. */
        public Builder quantConvs(boolean value) {
            useQuantConv = value;
            usePostQuantConv = value;
            return this;
        }

        /** The activation ({@code act_fn}); diffusers' VAEs use {@code silu}, the only one vae4j builds. */
        public Builder actFn(String value) {
            actFn = value;
            return this;
        }

        /** Whether the mid blocks hold attention. */
        public Builder midBlockAddAttention(boolean value) {
            midBlockAddAttention = value;
            return this;
        }

        /** The non-diffusers architecture options. */
        public Builder options(ArchitectureOptions value) {
            options = value;
            return this;
        }

        /** The configuration. */
        public AutoencoderKLConfig build() {
            int levels = blockOutChannels == null ? 0 : blockOutChannels.size();
            return new AutoencoderKLConfig(
                    inChannels,
                    outChannels,
                    Collections.nCopies(levels, DOWN_BLOCK),
                    Collections.nCopies(levels, UP_BLOCK),
                    blockOutChannels == null ? List.of() : blockOutChannels,
                    layersPerBlock,
                    actFn,
                    latentChannels,
                    normNumGroups,
                    sampleSize,
                    scalingFactor,
                    shiftFactor,
                    latentsMean,
                    latentsStd,
                    forceUpcast,
                    useQuantConv,
                    usePostQuantConv,
                    midBlockAddAttention,
                    extras,
                    options);
        }
    }
}
