package dev.vae4j.dwt;

import java.util.Locale;

/**
 * The order of the three detail sub-bands after LL within one Haar level. Both orders put LL first and the diagonal
 * band last; they differ in where pywt's "horizontal" detail cH (high-pass along H, low-pass along W) and "vertical"
 * detail cV (low-pass along H, high-pass along W) go.
 */
public enum SubbandOrder {
    /** PyWavelets / ptwt: {@code [LL, H, V, D]} (the LiteVAE paper's pseudocode). */
    PYWT("pywt"),
    /** torch-dwt: {@code [LL, V, H, D]} (open-LiteVAE). */
    TORCH_DWT("torch-dwt");

    private final String id;

    SubbandOrder(String id) {
        this.id = id;
    }

    /** The name used in configs: {@code "pywt"} or {@code "torch-dwt"}. */
    public String id() {
        return id;
    }

    /** Parses {@link #id()} (case-insensitive). */
    public static SubbandOrder fromId(String id) {
        for (SubbandOrder order : values()) {
            if (order.id.equals(id.toLowerCase(Locale.ROOT))) {
                return order;
            }
        }
        throw new IllegalArgumentException("unknown sub-band order '" + id + "' (pywt or torch-dwt)");
    }
}
