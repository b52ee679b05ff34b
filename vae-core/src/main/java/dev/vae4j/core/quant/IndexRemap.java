package dev.vae4j.core.quant;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.model.ConfigFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * taming's index remapping ({@code remap}, {@code unknown_index}): a quantizer whose codebook holds codes that were
 * never used returns indices into the list of used codes instead, so that a prior over indices (the transformer of
 * taming, LDM's stage 2) needs a smaller vocabulary.
 *
 * @param used the codebook indices in use, in the order their new indices follow (new index i means code used[i]); each
 *     in [0, codebook size), checked by the quantizer
 * @param unknown what a code outside {@code used} maps to
 */
public record IndexRemap(long[] used, UnknownIndex unknown) {
    /** Copies {@code used}; it must be non-empty, non-negative, and a fixed unknown index must lie in its range. */
    public IndexRemap {
        if (used == null || used.length == 0 || unknown == null) {
            throw new IllegalArgumentException(
                    "index remap: needs a non-empty list of used codes and an unknown index");
        }
        used = used.clone();
        if (Arrays.stream(used).anyMatch(u -> u < 0)) {
            throw new IllegalArgumentException("index remap: negative code in " + Arrays.toString(used));
        }
        if (unknown.kind() == UnknownIndex.Kind.FIXED && unknown.index() >= used.length) {
            throw new IllegalArgumentException("index remap: unknown index " + unknown.index() + " outside [0, "
                    + used.length + ") (the used codes)");
        }
    }

    @Override
    public long[] used() {
        return used.clone();
    }

    /** Equal lists of used codes (by content) and the same unknown-index policy. */
    @Override
    public boolean equals(Object other) {
        return other instanceof IndexRemap r && Arrays.equals(used, r.used) && unknown.equals(r.unknown);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(used) + unknown.hashCode();
    }

    @Override
    public String toString() {
        return "IndexRemap[used=" + Arrays.toString(used) + ", unknown=" + unknown + "]";
    }

    /** The number of distinct indices after remapping: the used codes, plus one for {@link UnknownIndex#extra()}. */
    public long indexRange() {
        return used.length + (unknown.kind() == UnknownIndex.Kind.EXTRA ? 1 : 0);
    }

    /**
     * Reads the list of used codes from a NumPy {@code .npy} file (a 1-D array of little-endian integers, as taming's
     * {@code remap} path holds).
     *
     * @throws FileAccessException when the file cannot be read
     * @throws ConfigFormatException when it is not a 1-D integer {@code .npy} array
     */
    public static IndexRemap fromNpy(Path file, UnknownIndex unknown) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new FileAccessException("cannot read remap file " + file + ": " + e.getMessage(), e);
        }
        return new IndexRemap(NpyIntegers.read(bytes, file.toString()), unknown);
    }
}
