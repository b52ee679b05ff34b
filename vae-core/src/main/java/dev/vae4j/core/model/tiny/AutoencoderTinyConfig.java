package dev.vae4j.core.model.tiny;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.core.model.ConfigFields;
import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.nn.InterpolatingUpsample2D;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The configuration of an {@link AutoencoderTiny}: diffusers' {@code AutoencoderTiny} {@code config.json} keys (same
 * names, same defaults, so a diffusers folder such as {@code madebyollin/taesd} round-trips unchanged) plus two vae4j
 * keys for the taesd.py variants diffusers cannot express, written only when they differ from the default:
 * {@code use_midblock_gn} (FLUX.2's GroupNorm pooling branch in the blocks of the deepest level) and
 * {@code encoder_stem} ({@link EncoderStem}: the f32 encoder's strided stem).
 *
 * <p>The decoder's conv after level i maps {@code decoder_block_out_channels[i]} to {@code decoder_block_out_channels[i
 * + 1]} (diffusers keeps the width, which is the same thing when all levels are equally wide); that is what taesd.py's
 * {@code F32Decoder} (256, 128, 64, 64, 64, 64) needs.
 *
 * @param inChannels image channels of the encoder
 * @param outChannels image channels of the decoder
 * @param encoderBlockOutChannels width of each encoder level
 * @param decoderBlockOutChannels width of each decoder level
 * @param activation {@code act_fn}
 * @param upsampleMode {@code upsample_fn} (nearest, bilinear or bicubic)
 * @param latentChannels latent channels L
 * @param upsamplingScalingFactor decoder upsampling per level
 * @param numEncoderBlocks blocks per encoder level
 * @param numDecoderBlocks blocks per decoder level
 * @param latentMagnitude {@code latent_magnitude} of {@link AutoencoderTiny#toUnitRange}
 * @param latentShift {@code latent_shift} of {@link AutoencoderTiny#toUnitRange}
 * @param forceUpcast diffusers' {@code force_upcast}
 * @param scalingFactor the pipeline's latent scale (1.0 for taesd.py's weights, whose latents are already the diffusion
 *     model's)
 * @param shiftFactor the pipeline's latent shift (0.0 likewise)
 * @param useMidblockGn FLUX.2's GroupNorm pooling in the blocks of the deepest level of both halves
 * @param encoderStem the encoder's first layers
 */
public record AutoencoderTinyConfig(
        int inChannels,
        int outChannels,
        List<Integer> encoderBlockOutChannels,
        List<Integer> decoderBlockOutChannels,
        TinyActivation activation,
        InterpolatingUpsample2D.Mode upsampleMode,
        int latentChannels,
        int upsamplingScalingFactor,
        List<Integer> numEncoderBlocks,
        List<Integer> numDecoderBlocks,
        double latentMagnitude,
        double latentShift,
        boolean forceUpcast,
        double scalingFactor,
        double shiftFactor,
        boolean useMidblockGn,
        EncoderStem encoderStem) {

    /** The {@code _class_name} of the config. */
    public static final String CLASS_NAME = "AutoencoderTiny";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<Integer> WIDTHS = List.of(64, 64, 64, 64);

    /** Checks every field; errors name the key and the value. */
    public AutoencoderTinyConfig {
        encoderBlockOutChannels = List.copyOf(encoderBlockOutChannels);
        decoderBlockOutChannels = List.copyOf(decoderBlockOutChannels);
        numEncoderBlocks = List.copyOf(numEncoderBlocks);
        numDecoderBlocks = List.copyOf(numDecoderBlocks);
        positive("in_channels", inChannels);
        positive("out_channels", outChannels);
        positive("latent_channels", latentChannels);
        positive("upsampling_scaling_factor", upsamplingScalingFactor);
        levels("encoder_block_out_channels", encoderBlockOutChannels, 1);
        levels("decoder_block_out_channels", decoderBlockOutChannels, 1);
        levels("num_encoder_blocks", numEncoderBlocks, 0);
        levels("num_decoder_blocks", numDecoderBlocks, 0);
        if (encoderBlockOutChannels.size() != numEncoderBlocks.size()) {
            throw new IllegalArgumentException("AutoencoderTiny config: encoder_block_out_channels "
                    + encoderBlockOutChannels + " and num_encoder_blocks " + numEncoderBlocks + " differ in length");
        }
        if (decoderBlockOutChannels.size() != numDecoderBlocks.size()) {
            throw new IllegalArgumentException("AutoencoderTiny config: decoder_block_out_channels "
                    + decoderBlockOutChannels + " and num_decoder_blocks " + numDecoderBlocks + " differ in length");
        }
        if (encoderStem == EncoderStem.STRIDED_PAIR && encoderBlockOutChannels.get(0) % 2 != 0) {
            throw new IllegalArgumentException("AutoencoderTiny config: encoder_stem strided_pair needs an even "
                    + "first encoder width, got " + encoderBlockOutChannels.get(0));
        }
        if (!(latentMagnitude > 0) || !Double.isFinite(latentMagnitude) || !Double.isFinite(latentShift)) {
            throw new IllegalArgumentException("AutoencoderTiny config: latent_magnitude must be positive and "
                    + "latent_shift finite, got " + latentMagnitude + " and " + latentShift);
        }
        if (!(scalingFactor > 0) || !Double.isFinite(scalingFactor) || !Double.isFinite(shiftFactor)) {
            throw new IllegalArgumentException("AutoencoderTiny config: scaling_factor must be positive and "
                    + "shift_factor finite, got " + scalingFactor + " and " + shiftFactor);
        }
    }

    private static void positive(String key, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("AutoencoderTiny config: " + key + " must be >= 1, got " + value);
        }
    }

    private static void levels(String key, List<Integer> values, int min) {
        if (values.isEmpty() || values.stream().anyMatch(v -> v < min)) {
            throw new IllegalArgumentException("AutoencoderTiny config: " + key + " must be a non-empty list of "
                    + "integers >= " + min + ", got " + values);
        }
    }

    /**
     * taesd.py's {@code Encoder}/{@code Decoder} with {@code latentChannels} latent channels: the defaults of
     * diffusers' {@code AutoencoderTiny} (widths 64, blocks (1, 3, 3, 3) / (3, 3, 3, 1), f8).
     */
    public static AutoencoderTinyConfig taesd(int latentChannels) {
        return new AutoencoderTinyConfig(
                3,
                3,
                WIDTHS,
                WIDTHS,
                TinyActivation.RELU,
                InterpolatingUpsample2D.Mode.NEAREST,
                latentChannels,
                2,
                List.of(1, 3, 3, 3),
                List.of(3, 3, 3, 1),
                3.0,
                0.5,
                false,
                1.0,
                0.0,
                false,
                EncoderStem.CONV);
    }

    /** taesd.py's {@code flux_2} variant: 32 latent channels, GroupNorm pooling in the deepest level. */
    public static AutoencoderTinyConfig taef2() {
        return taesd(32).withMidblockGn(true);
    }

    /** taesd.py's {@code f32} variant (Sana's DC-AE f32c32): {@code F32Encoder} and {@code F32Decoder}. */
    public static AutoencoderTinyConfig taesana() {
        return taesd(32).toBuilder()
                .decoderBlockOutChannels(List.of(256, 128, 64, 64, 64, 64))
                .numDecoderBlocks(List.of(3, 3, 3, 3, 3, 1))
                .encoderStem(EncoderStem.STRIDED_PAIR)
                .build();
    }

    /** Presets by name: the latent spaces of taesd.py's published weights. */
    public static Map<String, AutoencoderTinyConfig> presets() {
        return Map.of(
                "taesd", taesd(4), "taesdxl", taesd(4), "taesd3", taesd(16), "taef1", taesd(16), "taef2", taef2(),
                "taesana", taesana());
    }

    /**
     * A builder starting from this configuration, e.g. {@code AutoencoderTinyConfig.taesd(4).toBuilder()
     * .encoderBlockOutChannels(List.of(8, 8)).decoderBlockOutChannels(List.of(8, 8)) ... .build()}.
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A copy with {@code use_midblock_gn} set. */
    public AutoencoderTinyConfig withMidblockGn(boolean value) {
        return toBuilder().useMidblockGn(value).build();
    }

    /** The encoder's spatial factor: the stem's times 2 per level after the first. */
    public int encoderDownsampling() {
        return encoderStem.downsampling() << (encoderBlockOutChannels.size() - 1);
    }

    /** The decoder's spatial factor: {@code upsampling_scaling_factor} per level after the first. */
    public int decoderUpsampling() {
        return (int) Math.round(Math.pow(upsamplingScalingFactor, decoderBlockOutChannels.size() - 1));
    }

    /** Whether {@code config} names this class. */
    public static boolean isTinyConfig(ModelConfig config) {
        return CLASS_NAME.equals(config.className());
    }

    /**
     * The keys {@link #fromConfig} accepts: diffusers' {@code AutoencoderTiny} arguments (and the
     * {@code block_out_channels} diffusers registers), vae4j's additions and diffusers' bookkeeping keys. Any other key
     * is an error naming it and the closest known key.
     */
    public static final Set<String> KEYS = Set.of(
            "_class_name",
            "_diffusers_version",
            "_name_or_path",
            "_use_default_values",
            "_commit_hash",
            "in_channels",
            "out_channels",
            "block_out_channels",
            "encoder_block_out_channels",
            "decoder_block_out_channels",
            "act_fn",
            "upsample_fn",
            "latent_channels",
            "upsampling_scaling_factor",
            "num_encoder_blocks",
            "num_decoder_blocks",
            "latent_magnitude",
            "latent_shift",
            "force_upcast",
            "scaling_factor",
            "shift_factor",
            "use_midblock_gn",
            "encoder_stem");

    /**
     * Reads a config.json object; absent keys take diffusers' defaults.
     *
     * @throws ConfigFormatException naming a key of the wrong type or value, or an unknown key
     */
    public static AutoencoderTinyConfig fromConfig(ModelConfig config) {
        ConfigFields f = config.fields("AutoencoderTiny config");
        f.requireKnownKeys(KEYS);
        AutoencoderTinyConfig d = taesd(4);
        return ConfigFields.construct(() -> new AutoencoderTinyConfig(
                f.integer("in_channels", d.inChannels),
                f.integer("out_channels", d.outChannels),
                f.integers("encoder_block_out_channels", d.encoderBlockOutChannels),
                f.integers("decoder_block_out_channels", d.decoderBlockOutChannels),
                TinyActivation.parse(f.text("act_fn", d.activation.jsonName())),
                upsampleMode(f.text("upsample_fn", "nearest")),
                f.integer("latent_channels", d.latentChannels),
                f.integer("upsampling_scaling_factor", d.upsamplingScalingFactor),
                f.integers("num_encoder_blocks", d.numEncoderBlocks),
                f.integers("num_decoder_blocks", d.numDecoderBlocks),
                f.number("latent_magnitude", d.latentMagnitude),
                f.number("latent_shift", d.latentShift),
                f.bool("force_upcast", d.forceUpcast),
                f.number("scaling_factor", d.scalingFactor),
                f.number("shift_factor", d.shiftFactor),
                f.bool("use_midblock_gn", false),
                EncoderStem.parse(f.text("encoder_stem", EncoderStem.CONV.jsonName()))));
    }

    /**
     * Reads a config.json file.
     *
     * @throws dev.vae4j.core.FileAccessException if the file cannot be read
     * @throws ConfigFormatException naming the file and key if it is not a valid AutoencoderTiny config
     */
    public static AutoencoderTinyConfig read(Path file) {
        return ConfigFields.read(file, AutoencoderTinyConfig::fromConfig);
    }

    /** The config diffusers writes to {@code config.json}, plus the vae4j keys when they differ from the default. */
    public ModelConfig toConfig() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("_class_name", CLASS_NAME);
        root.put("in_channels", inChannels);
        root.put("out_channels", outChannels);
        root.put("encoder_block_out_channels", encoderBlockOutChannels);
        root.put("decoder_block_out_channels", decoderBlockOutChannels);
        root.put("act_fn", activation.jsonName());
        root.put("upsample_fn", upsampleMode.name().toLowerCase(Locale.ROOT));
        root.put("latent_channels", latentChannels);
        root.put("upsampling_scaling_factor", upsamplingScalingFactor);
        root.put("num_encoder_blocks", numEncoderBlocks);
        root.put("num_decoder_blocks", numDecoderBlocks);
        root.put("latent_magnitude", latentMagnitude);
        root.put("latent_shift", latentShift);
        root.put("force_upcast", forceUpcast);
        root.put("scaling_factor", scalingFactor);
        root.put("shift_factor", shiftFactor);
        root.put("block_out_channels", decoderBlockOutChannels);
        if (useMidblockGn) {
            root.put("use_midblock_gn", true);
        }
        if (encoderStem != EncoderStem.CONV) {
            root.put("encoder_stem", encoderStem.jsonName());
        }
        return ModelConfig.of(root);
    }

    /** Writes {@link #toConfig()} to {@code file} through a temporary sibling renamed into place. */
    public void write(Path file) {
        Path abs = file.toAbsolutePath();
        try {
            Files.createDirectories(abs.getParent());
            AtomicFiles.writeString(abs, toConfig().toJson() + "\n");
        } catch (IOException e) {
            throw new FileAccessException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static InterpolatingUpsample2D.Mode upsampleMode(String name) {
        try {
            return InterpolatingUpsample2D.Mode.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "AutoencoderTiny config: upsample_fn '" + name
                            + "' is not supported (nearest, bilinear or bicubic)",
                    e);
        }
    }

    /** Builds a {@link AutoencoderTinyConfig} by name; {@link #build()} validates like the record's constructor. */
    public static final class Builder {
        private int inChannels;
        private int outChannels;
        private List<Integer> encoderBlockOutChannels;
        private List<Integer> decoderBlockOutChannels;
        private TinyActivation activation;
        private InterpolatingUpsample2D.Mode upsampleMode;
        private int latentChannels;
        private int upsamplingScalingFactor;
        private List<Integer> numEncoderBlocks;
        private List<Integer> numDecoderBlocks;
        private double latentMagnitude;
        private double latentShift;
        private boolean forceUpcast;
        private double scalingFactor;
        private double shiftFactor;
        private boolean useMidblockGn;
        private EncoderStem encoderStem;

        private Builder(AutoencoderTinyConfig from) {
            inChannels = from.inChannels;
            outChannels = from.outChannels;
            encoderBlockOutChannels = from.encoderBlockOutChannels;
            decoderBlockOutChannels = from.decoderBlockOutChannels;
            activation = from.activation;
            upsampleMode = from.upsampleMode;
            latentChannels = from.latentChannels;
            upsamplingScalingFactor = from.upsamplingScalingFactor;
            numEncoderBlocks = from.numEncoderBlocks;
            numDecoderBlocks = from.numDecoderBlocks;
            latentMagnitude = from.latentMagnitude;
            latentShift = from.latentShift;
            forceUpcast = from.forceUpcast;
            scalingFactor = from.scalingFactor;
            shiftFactor = from.shiftFactor;
            useMidblockGn = from.useMidblockGn;
            encoderStem = from.encoderStem;
        }

        /** Image channels of the encoder. */
        public Builder inChannels(int value) {
            inChannels = value;
            return this;
        }

        /** Image channels of the decoder. */
        public Builder outChannels(int value) {
            outChannels = value;
            return this;
        }

        /** Width of each encoder level. */
        public Builder encoderBlockOutChannels(List<Integer> value) {
            encoderBlockOutChannels = value;
            return this;
        }

        /** Width of each decoder level. */
        public Builder decoderBlockOutChannels(List<Integer> value) {
            decoderBlockOutChannels = value;
            return this;
        }

        /** {@code act_fn}. */
        public Builder activation(TinyActivation value) {
            activation = value;
            return this;
        }

        /** {@code upsample_fn}. */
        public Builder upsampleMode(InterpolatingUpsample2D.Mode value) {
            upsampleMode = value;
            return this;
        }

        /** Latent channels. */
        public Builder latentChannels(int value) {
            latentChannels = value;
            return this;
        }

        /** Decoder upsampling per level. */
        public Builder upsamplingScalingFactor(int value) {
            upsamplingScalingFactor = value;
            return this;
        }

        /** Blocks per encoder level. */
        public Builder numEncoderBlocks(List<Integer> value) {
            numEncoderBlocks = value;
            return this;
        }

        /** Blocks per decoder level. */
        public Builder numDecoderBlocks(List<Integer> value) {
            numDecoderBlocks = value;
            return this;
        }

        /** {@code latent_magnitude} of {@link AutoencoderTiny#toUnitRange}. */
        public Builder latentMagnitude(double value) {
            latentMagnitude = value;
            return this;
        }

        /** {@code latent_shift} of {@link AutoencoderTiny#toUnitRange}. */
        public Builder latentShift(double value) {
            latentShift = value;
            return this;
        }

        /** diffusers' {@code force_upcast}. */
        public Builder forceUpcast(boolean value) {
            forceUpcast = value;
            return this;
        }

        /** The pipeline's latent scale. */
        public Builder scalingFactor(double value) {
            scalingFactor = value;
            return this;
        }

        /** The pipeline's latent shift. */
        public Builder shiftFactor(double value) {
            shiftFactor = value;
            return this;
        }

        /** FLUX.2's GroupNorm pooling in the deepest level. */
        public Builder useMidblockGn(boolean value) {
            useMidblockGn = value;
            return this;
        }

        /** The encoder's first layers. */
        public Builder encoderStem(EncoderStem value) {
            encoderStem = value;
            return this;
        }

        /** The configuration. */
        public AutoencoderTinyConfig build() {
            return new AutoencoderTinyConfig(
                    inChannels,
                    outChannels,
                    encoderBlockOutChannels,
                    decoderBlockOutChannels,
                    activation,
                    upsampleMode,
                    latentChannels,
                    upsamplingScalingFactor,
                    numEncoderBlocks,
                    numDecoderBlocks,
                    latentMagnitude,
                    latentShift,
                    forceUpcast,
                    scalingFactor,
                    shiftFactor,
                    useMidblockGn,
                    encoderStem);
        }
    }
}
