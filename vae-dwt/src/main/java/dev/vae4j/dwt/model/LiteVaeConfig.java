package dev.vae4j.dwt.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vae4j.core.Vae4jException;
import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.core.model.ConfigFields;
import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.dwt.SubbandOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The configuration of a {@link LiteVae}, read from and written to its {@code config.json} ({@code "_class_name":
 * "LiteVAE"}, snake_case keys named after the fields below).
 *
 * @param flavor encoder UNet blocks
 * @param inChannels image channels (3)
 * @param outChannels decoded image channels (3)
 * @param latentChannels n_z; the aggregator outputs 2 n_z moments
 * @param waveletLevels Haar levels L (3); the downsampling factor is 2^L
 * @param subbandOrder detail order inside each 4C-channel level stack
 * @param waveletLevelScaling divide level l's coefficients by 2^l (the paper) or not (open-LiteVAE)
 * @param extractorChannels feature-extractor base width C
 * @param extractorMult feature-extractor width multipliers
 * @param extractorBlocks feature-extractor blocks per level
 * @param aggregatorChannels aggregator base width
 * @param aggregatorMult aggregator width multipliers
 * @param aggregatorBlocks aggregator blocks per level
 * @param normGroups GroupNorm groups of the encoder UNets (open-LiteVAE 8; paper 32, reduced by gcd)
 * @param decoderChannels SMC decoder base width (128)
 * @param decoderMult SMC decoder multipliers (L + 1 entries, [1, 2, 4, 4])
 * @param decoderResBlocks SD {@code num_res_blocks} (2: 3 blocks per up level and 3 mid blocks)
 * @param decoderPreActivation the paper's pre-activation SMC block instead of open-LiteVAE's post-activation
 * @param scalingFactor latent scale for diffusion pipelines
 * @param shiftFactor latent shift for diffusion pipelines
 */
public record LiteVaeConfig(
        EncoderFlavor flavor,
        int inChannels,
        int outChannels,
        int latentChannels,
        int waveletLevels,
        SubbandOrder subbandOrder,
        boolean waveletLevelScaling,
        int extractorChannels,
        List<Integer> extractorMult,
        int extractorBlocks,
        int aggregatorChannels,
        List<Integer> aggregatorMult,
        int aggregatorBlocks,
        int normGroups,
        int decoderChannels,
        List<Integer> decoderMult,
        int decoderResBlocks,
        boolean decoderPreActivation,
        double scalingFactor,
        double shiftFactor) {

    /** {@code _class_name} of the config file. */
    public static final String CLASS_NAME = "LiteVAE";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Validates; throws {@link IllegalArgumentException} naming the field at fault. */
    public LiteVaeConfig {
        extractorMult = List.copyOf(extractorMult);
        aggregatorMult = List.copyOf(aggregatorMult);
        decoderMult = List.copyOf(decoderMult);
        require(inChannels > 0 && outChannels > 0 && latentChannels > 0, "channel counts must be positive");
        require(waveletLevels >= 1 && waveletLevels <= 6, "wavelet_levels must be in 1..6, got " + waveletLevels);
        require(extractorChannels > 0 && aggregatorChannels > 0 && decoderChannels > 0, "widths must be positive");
        require(extractorBlocks > 0 && aggregatorBlocks > 0 && decoderResBlocks > 0, "block counts must be positive");
        require(!extractorMult.isEmpty() && !aggregatorMult.isEmpty(), "extractor/aggregator mult must not be empty");
        require(
                decoderMult.size() == waveletLevels + 1,
                "decoder_mult needs wavelet_levels + 1 = " + (waveletLevels + 1)
                        + " entries (one upsampling per wavelet level), got " + decoderMult);
        require(normGroups > 0, "norm_groups must be positive");
        if (flavor == EncoderFlavor.OPEN_LITEVAE) {
            for (int m : extractorMult) {
                require(
                        extractorChannels * m % normGroups == 0,
                        "extractor width " + extractorChannels * m + " is not divisible by norm_groups " + normGroups);
            }
            for (int m : aggregatorMult) {
                require(
                        aggregatorChannels * m % normGroups == 0,
                        "aggregator width " + aggregatorChannels * m + " is not divisible by norm_groups "
                                + normGroups);
            }
        }
        require(scalingFactor > 0 && Double.isFinite(scalingFactor), "scaling_factor must be positive");
    }

    /**
     * A builder starting from this configuration, e.g.
     * {@code LiteVaeConfig.preset("open-b").toBuilder().latentChannels(4).build()}.
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("LiteVAE config: " + message);
        }
    }

    /** Spatial factor 2^L between images and latents. */
    public int downsamplingFactor() {
        return 1 << waveletLevels;
    }

    /** Channels of one wavelet level stack, 4 in_channels. */
    public int subbandChannels() {
        return 4 * inChannels;
    }

    /**
     * Presets at n_z = 12 with the 53.33 M SMC decoder (128, [1, 2, 4, 4], 2 res blocks): {@code open-s/b/m/l}
     * (open-LiteVAE table: extractor / aggregator C, mult, blocks; torch-dwt order, no scaling, post-activation
     * decoder) and {@code paper-s/b/m/l} (2 blocks per level, pywt order, 1/2^l scaling, pre-activation decoder).
     */
    public static LiteVaeConfig preset(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        return switch (key) {
            case "open-s" -> open(16, List.of(1, 2, 2), 3, 16, List.of(1, 2, 2), 3);
            case "open-b" -> open(32, List.of(1, 2, 3), 4, 32, List.of(1, 2, 3), 4);
            case "open-m" -> open(64, List.of(1, 2, 4), 5, 32, List.of(1, 2, 3), 4);
            case "open-l" -> open(64, List.of(1, 2, 4), 5, 64, List.of(1, 2, 4), 4);
            case "paper-s" -> paper(16, List.of(1, 2, 2), 16, List.of(1, 2, 2));
            case "paper-b" -> paper(32, List.of(1, 2, 3), 32, List.of(1, 2, 3));
            case "paper-m" -> paper(64, List.of(1, 2, 4), 32, List.of(1, 2, 3));
            case "paper-l" -> paper(64, List.of(1, 2, 4), 64, List.of(1, 2, 4));
            default ->
                throw new IllegalArgumentException("unknown LiteVAE preset '" + name + "'; known: " + presetNames());
        };
    }

    /** The names {@link #preset(String)} accepts. */
    public static List<String> presetNames() {
        return List.of("open-s", "open-b", "open-m", "open-l", "paper-s", "paper-b", "paper-m", "paper-l");
    }

    private static LiteVaeConfig open(int ec, List<Integer> em, int eb, int ac, List<Integer> am, int ab) {
        return new LiteVaeConfig(
                EncoderFlavor.OPEN_LITEVAE,
                3,
                3,
                12,
                3,
                SubbandOrder.TORCH_DWT,
                false,
                ec,
                em,
                eb,
                ac,
                am,
                ab,
                8,
                128,
                List.of(1, 2, 4, 4),
                2,
                false,
                1.0,
                0.0);
    }

    private static LiteVaeConfig paper(int ec, List<Integer> em, int ac, List<Integer> am) {
        return new LiteVaeConfig(
                EncoderFlavor.PAPER,
                3,
                3,
                12,
                3,
                SubbandOrder.PYWT,
                true,
                ec,
                em,
                2,
                ac,
                am,
                2,
                32,
                128,
                List.of(1, 2, 4, 4),
                2,
                true,
                1.0,
                0.0);
    }

    /**
     * Reads a {@code config.json} written by {@link #write(Path)} (or by tools/reference/gen_litevae.py).
     *
     * @throws dev.vae4j.core.FileAccessException if the file cannot be read
     * @throws ConfigFormatException naming the file and key if it is not a valid LiteVAE config
     */
    public static LiteVaeConfig read(Path file) {
        return ConfigFields.read(file, LiteVaeConfig::fromConfig);
    }

    /** Whether {@code file} is a JSON object whose {@code _class_name} is {@value #CLASS_NAME}. */
    public static boolean isLiteVaeConfig(Path file) {
        try {
            return CLASS_NAME.equals(ModelConfig.read(file).className());
        } catch (Vae4jException e) {
            return false;
        }
    }

    /**
     * The keys of a LiteVAE {@code config.json}: those {@link #toConfig()} writes, {@code _diffusers_version} and
     * diffusers' bookkeeping keys. Any other key is an error.
     */
    public static final Set<String> KEYS = Set.of(
            "_class_name",
            "_diffusers_version",
            "_name_or_path",
            "_use_default_values",
            "_commit_hash",
            "flavour",
            "in_channels",
            "out_channels",
            "latent_channels",
            "wavelet_levels",
            "subband_order",
            "wavelet_level_scaling",
            "extractor_channels",
            "extractor_mult",
            "extractor_blocks",
            "aggregator_channels",
            "aggregator_mult",
            "aggregator_blocks",
            "norm_groups",
            "decoder_channels",
            "decoder_mult",
            "decoder_res_blocks",
            "decoder_pre_activation",
            "scaling_factor",
            "shift_factor");

    /**
     * Parses a config object; every architecture key is required, the factors default to 1 and 0.
     *
     * @throws ConfigFormatException naming the key for a missing, malformed or unknown key (with the closest known one)
     */
    public static LiteVaeConfig fromConfig(ModelConfig config) {
        ConfigFields f = config.fields("LiteVAE config");
        f.requireKnownKeys(KEYS);
        String className = f.text("_class_name", CLASS_NAME);
        f.require(CLASS_NAME.equals(className), "_class_name is '" + className + "', expected " + CLASS_NAME);
        return ConfigFields.construct(() -> new LiteVaeConfig(
                EncoderFlavor.fromId(f.text("flavour")),
                f.integer("in_channels"),
                f.integer("out_channels"),
                f.integer("latent_channels"),
                f.integer("wavelet_levels"),
                SubbandOrder.fromId(f.text("subband_order")),
                f.bool("wavelet_level_scaling"),
                f.integer("extractor_channels"),
                f.integers("extractor_mult"),
                f.integer("extractor_blocks"),
                f.integer("aggregator_channels"),
                f.integers("aggregator_mult"),
                f.integer("aggregator_blocks"),
                f.integer("norm_groups"),
                f.integer("decoder_channels"),
                f.integers("decoder_mult"),
                f.integer("decoder_res_blocks"),
                f.bool("decoder_pre_activation"),
                f.number("scaling_factor", 1.0),
                f.number("shift_factor", 0.0)));
    }

    /** This config as a JSON object (keys sorted). */
    public ModelConfig toConfig() {
        Map<String, Object> fields = new TreeMap<>();
        fields.put("_class_name", CLASS_NAME);
        fields.put("flavour", flavor.id());
        fields.put("in_channels", inChannels);
        fields.put("out_channels", outChannels);
        fields.put("latent_channels", latentChannels);
        fields.put("wavelet_levels", waveletLevels);
        fields.put("subband_order", subbandOrder.id());
        fields.put("wavelet_level_scaling", waveletLevelScaling);
        fields.put("extractor_channels", extractorChannels);
        fields.put("extractor_mult", extractorMult);
        fields.put("extractor_blocks", extractorBlocks);
        fields.put("aggregator_channels", aggregatorChannels);
        fields.put("aggregator_mult", aggregatorMult);
        fields.put("aggregator_blocks", aggregatorBlocks);
        fields.put("norm_groups", normGroups);
        fields.put("decoder_channels", decoderChannels);
        fields.put("decoder_mult", decoderMult);
        fields.put("decoder_res_blocks", decoderResBlocks);
        fields.put("decoder_pre_activation", decoderPreActivation);
        fields.put("scaling_factor", scalingFactor);
        fields.put("shift_factor", shiftFactor);
        return ModelConfig.of(fields);
    }

    /** Writes {@link #toConfig()} to {@code file} atomically (a failed write leaves the previous file intact). */
    public void write(Path file) {
        AtomicFiles.writeString(file, toConfig().toJson() + "\n");
    }

    /** Builds a {@link LiteVaeConfig} by name; {@link #build()} validates like the record's constructor. */
    public static final class Builder {
        private EncoderFlavor flavor;
        private int inChannels;
        private int outChannels;
        private int latentChannels;
        private int waveletLevels;
        private SubbandOrder subbandOrder;
        private boolean waveletLevelScaling;
        private int extractorChannels;
        private List<Integer> extractorMult;
        private int extractorBlocks;
        private int aggregatorChannels;
        private List<Integer> aggregatorMult;
        private int aggregatorBlocks;
        private int normGroups;
        private int decoderChannels;
        private List<Integer> decoderMult;
        private int decoderResBlocks;
        private boolean decoderPreActivation;
        private double scalingFactor;
        private double shiftFactor;

        private Builder(LiteVaeConfig from) {
            flavor = from.flavor;
            inChannels = from.inChannels;
            outChannels = from.outChannels;
            latentChannels = from.latentChannels;
            waveletLevels = from.waveletLevels;
            subbandOrder = from.subbandOrder;
            waveletLevelScaling = from.waveletLevelScaling;
            extractorChannels = from.extractorChannels;
            extractorMult = from.extractorMult;
            extractorBlocks = from.extractorBlocks;
            aggregatorChannels = from.aggregatorChannels;
            aggregatorMult = from.aggregatorMult;
            aggregatorBlocks = from.aggregatorBlocks;
            normGroups = from.normGroups;
            decoderChannels = from.decoderChannels;
            decoderMult = from.decoderMult;
            decoderResBlocks = from.decoderResBlocks;
            decoderPreActivation = from.decoderPreActivation;
            scalingFactor = from.scalingFactor;
            shiftFactor = from.shiftFactor;
        }

        /** Encoder UNet blocks. */
        public Builder flavor(EncoderFlavor value) {
            flavor = value;
            return this;
        }

        /** Image channels. */
        public Builder inChannels(int value) {
            inChannels = value;
            return this;
        }

        /** Decoded image channels. */
        public Builder outChannels(int value) {
            outChannels = value;
            return this;
        }

        /** n_z, the latent channels. */
        public Builder latentChannels(int value) {
            latentChannels = value;
            return this;
        }

        /** Haar levels L; the downsampling factor is 2^L (decoder_mult needs L + 1 entries). */
        public Builder waveletLevels(int value) {
            waveletLevels = value;
            return this;
        }

        /** Detail order inside each level stack. */
        public Builder subbandOrder(SubbandOrder value) {
            subbandOrder = value;
            return this;
        }

        /** Whether level l's coefficients are divided by 2^l. */
        public Builder waveletLevelScaling(boolean value) {
            waveletLevelScaling = value;
            return this;
        }

        /** Feature-extractor base width. */
        public Builder extractorChannels(int value) {
            extractorChannels = value;
            return this;
        }

        /** Feature-extractor width multipliers. */
        public Builder extractorMult(List<Integer> value) {
            extractorMult = value;
            return this;
        }

        /** Feature-extractor blocks per level. */
        public Builder extractorBlocks(int value) {
            extractorBlocks = value;
            return this;
        }

        /** Aggregator base width. */
        public Builder aggregatorChannels(int value) {
            aggregatorChannels = value;
            return this;
        }

        /** Aggregator width multipliers. */
        public Builder aggregatorMult(List<Integer> value) {
            aggregatorMult = value;
            return this;
        }

        /** Aggregator blocks per level. */
        public Builder aggregatorBlocks(int value) {
            aggregatorBlocks = value;
            return this;
        }

        /** GroupNorm groups of the encoder UNets. */
        public Builder normGroups(int value) {
            normGroups = value;
            return this;
        }

        /** SMC decoder base width. */
        public Builder decoderChannels(int value) {
            decoderChannels = value;
            return this;
        }

        /** SMC decoder multipliers (wavelet levels + 1 entries). */
        public Builder decoderMult(List<Integer> value) {
            decoderMult = value;
            return this;
        }

        /** SD {@code num_res_blocks} of the decoder. */
        public Builder decoderResBlocks(int value) {
            decoderResBlocks = value;
            return this;
        }

        /** The paper's pre-activation SMC block instead of open-LiteVAE's. */
        public Builder decoderPreActivation(boolean value) {
            decoderPreActivation = value;
            return this;
        }

        /** Latent scale for diffusion pipelines. */
        public Builder scalingFactor(double value) {
            scalingFactor = value;
            return this;
        }

        /** Latent shift for diffusion pipelines. */
        public Builder shiftFactor(double value) {
            shiftFactor = value;
            return this;
        }

        /** The configuration. */
        public LiteVaeConfig build() {
            return new LiteVaeConfig(
                    flavor,
                    inChannels,
                    outChannels,
                    latentChannels,
                    waveletLevels,
                    subbandOrder,
                    waveletLevelScaling,
                    extractorChannels,
                    extractorMult,
                    extractorBlocks,
                    aggregatorChannels,
                    aggregatorMult,
                    aggregatorBlocks,
                    normGroups,
                    decoderChannels,
                    decoderMult,
                    decoderResBlocks,
                    decoderPreActivation,
                    scalingFactor,
                    shiftFactor);
        }
    }
}
