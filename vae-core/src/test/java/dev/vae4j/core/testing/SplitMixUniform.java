package dev.vae4j.core.testing;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The per-tensor uniform numbers of the reference scripts' formula weights ({@code splitmix_uniform} in
 * tools/reference/gen_metrics.py): element i of tensor {@code name} is the top 53 bits of SplitMix64 of
 * {@code (crc32(name) << 32) + i}, a double in [0, 1). Lets a fixture describe large weights without storing them.
 */
public final class SplitMixUniform {
    private SplitMixUniform() {}

    /** u[0..count) for tensor {@code name}. */
    public static double[] of(String name, long count) {
        CRC32 crc = new CRC32();
        crc.update(name.getBytes(StandardCharsets.UTF_8));
        long base = crc.getValue() << 32;
        double[] out = new double[Math.toIntExact(count)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (splitMix64(base + i) >>> 11) * 0x1.0p-53;
        }
        return out;
    }

    private static long splitMix64(long state) {
        long z = state + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
