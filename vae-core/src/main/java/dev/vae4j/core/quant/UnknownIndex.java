package dev.vae4j.core.quant;

/**
 * What a remapped {@link VectorQuantizer} returns for a code outside its list of used codes, as taming's
 * {@code unknown_index}: a random used index, one extra index past the used ones, or a fixed index.
 *
 * @param kind which of the three
 * @param index the fixed index ({@link Kind#FIXED} only; 0 otherwise)
 */
public record UnknownIndex(Kind kind, long index) {
    /** The three policies of taming's {@code unknown_index}. */
    public enum Kind {
        /** {@code "random"}: a uniformly drawn index in [0, index range), from the quantizer's seeded generator. */
        RANDOM,
        /** {@code "extra"}: the index range grows by one, and unknown codes take the last index. */
        EXTRA,
        /** An integer: that index. */
        FIXED
    }

    /** Only {@link Kind#FIXED} carries an index, and it is non-negative. */
    public UnknownIndex {
        if (kind == null) {
            throw new IllegalArgumentException("unknown index: kind is null");
        }
        if (kind != Kind.FIXED && index != 0 || index < 0) {
            throw new IllegalArgumentException("unknown index: " + kind + " with index " + index
                    + " (only FIXED takes an index, and it must be >= 0)");
        }
    }

    /** taming's default {@code "random"}. */
    public static UnknownIndex random() {
        return new UnknownIndex(Kind.RANDOM, 0);
    }

    /** taming's {@code "extra"}. */
    public static UnknownIndex extra() {
        return new UnknownIndex(Kind.EXTRA, 0);
    }

    /** A fixed index (>= 0). */
    public static UnknownIndex fixed(long index) {
        return new UnknownIndex(Kind.FIXED, index);
    }

    /**
     * Reads taming's configuration value: {@code "random"}, {@code "extra"} or a non-negative integer.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static UnknownIndex parse(String value) {
        if ("random".equals(value)) {
            return random();
        }
        if ("extra".equals(value)) {
            return extra();
        }
        try {
            return fixed(Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "unknown index \"" + value + "\": expected \"random\", \"extra\" or an integer >= 0", e);
        }
    }
}
