package dev.vae4j.core.model.tiny;

import java.util.Locale;

/**
 * The first layers of a tiny encoder, before its first level of blocks ({@code encoder_stem} in config.json; a vae4j
 * key, written only when not the default).
 */
public enum EncoderStem {
    /** diffusers' {@code EncoderTiny} and taesd.py's {@code Encoder}: one 3x3 conv (in -> C0), stride 1. */
    CONV,
    /**
     * taesd.py's {@code F32Encoder} (Sana's DC-AE f32): conv 3x3 stride 2 (in -> C0/2), ReLU, conv 3x3 stride 2 (C0/2
     * -> C0), ReLU: a 4x downsampling before the first level.
     */
    STRIDED_PAIR;

    /** The config.json spelling. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The spatial factor of the stem (1 or 4). */
    public int downsampling() {
        return this == CONV ? 1 : 4;
    }

    /**
     * Parses a config.json {@code encoder_stem}.
     *
     * @throws IllegalArgumentException naming the value
     */
    public static EncoderStem parse(String name) {
        for (EncoderStem stem : values()) {
            if (stem.jsonName().equals(name.toLowerCase(Locale.ROOT))) {
                return stem;
            }
        }
        throw new IllegalArgumentException(
                "AutoencoderTiny config: encoder_stem '" + name + "' is not supported (conv or strided_pair)");
    }
}
