package dev.vae4j.dwt.model;

import java.util.Locale;

/** Which UNet blocks a LiteVAE encoder is built from. */
public enum EncoderFlavour {
    /**
     * open-LiteVAE: post-norm residual blocks, GroupNorm 8, 1x1 channel transitions
     * ({@link dev.vae4j.dwt.nn.OpenUNet}).
     */
    OPEN_LITEVAE("open-litevae"),
    /** The paper's pre-norm ADM-style blocks ({@link dev.vae4j.dwt.nn.PaperUNet}). */
    PAPER("paper");

    private final String id;

    EncoderFlavour(String id) {
        this.id = id;
    }

    /** The config name: {@code "open-litevae"} or {@code "paper"}. */
    public String id() {
        return id;
    }

    /** Parses {@link #id()} (case-insensitive). */
    public static EncoderFlavour fromId(String id) {
        for (EncoderFlavour flavour : values()) {
            if (flavour.id.equals(id.toLowerCase(Locale.ROOT))) {
                return flavour;
            }
        }
        throw new IllegalArgumentException("unknown LiteVAE encoder flavour '" + id + "' (open-litevae or paper)");
    }
}
