package dev.vae4j.dwt.model;

import java.util.Locale;

/** Which UNet blocks a LiteVAE encoder is built from. */
public enum EncoderFlavor {
    /**
     * open-LiteVAE: post-norm residual blocks, GroupNorm 8, 1x1 channel transitions
     * ({@link dev.vae4j.dwt.nn.PostNormUNet}).
     */
    OPEN_LITEVAE("open-litevae"),
    /** The paper's pre-norm ADM-style blocks ({@link dev.vae4j.dwt.nn.PreNormUNet}). */
    PAPER("paper");

    private final String id;

    EncoderFlavor(String id) {
        this.id = id;
    }

    /** The config name: {@code "open-litevae"} or {@code "paper"}. */
    public String id() {
        return id;
    }

    /** Parses {@link #id()} (case-insensitive). */
    public static EncoderFlavor fromId(String id) {
        for (EncoderFlavor flavor : values()) {
            if (flavor.id.equals(id.toLowerCase(Locale.ROOT))) {
                return flavor;
            }
        }
        throw new IllegalArgumentException("unknown LiteVAE encoder flavor '" + id + "' (open-litevae or paper)");
    }
}
