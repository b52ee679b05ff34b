package dev.vae4j.examples.bench;

/**
 * What a benchmark run is configured with.
 *
 * @param threads libtorch intra-op CPU threads (at least 1)
 * @param runs timed runs per workload (at least 1)
 * @param warmup untimed warm-up runs per workload before the timed ones (at least 0)
 * @param device {@code cpu} or {@code cuda}
 * @param size image side in pixels for the image workloads, or null for each workload's default
 */
public record BenchSettings(int threads, int runs, int warmup, String device, Integer size) {
    /** Validates the values. */
    public BenchSettings {
        if (threads < 1 || runs < 1 || warmup < 0) {
            throw new IllegalArgumentException("need threads >= 1, runs >= 1, warmup >= 0; got threads " + threads
                    + ", runs " + runs + ", warmup " + warmup);
        }
        if (!device.equals("cpu") && !device.equals("cuda")) {
            throw new IllegalArgumentException("device must be cpu or cuda, got '" + device + "'");
        }
        if (size != null && (size < 8 || size % 8 != 0)) {
            throw new IllegalArgumentException("size must be a positive multiple of 8, got " + size);
        }
    }
}
