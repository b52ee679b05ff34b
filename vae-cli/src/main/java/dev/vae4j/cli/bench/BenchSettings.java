package dev.vae4j.cli.bench;

import dev.vae4j.core.model.InferenceOptions;

/**
 * What a benchmark run is configured with.
 *
 * @param threads libtorch intra-op CPU threads (at least 1)
 * @param runs timed runs per workload (at least 1)
 * @param warmup untimed warm-up runs per workload before the timed ones (at least 0)
 * @param device {@code cpu} or {@code cuda}
 * @param size image side in pixels for the image workloads, or null for each workload's default
 * @param inference precision and memory format every workload runs with
 * @param cudnnBenchmark cuDNN's benchmark mode (CUDA only)
 */
public record BenchSettings(
        int threads,
        int runs,
        int warmup,
        String device,
        Integer size,
        InferenceOptions inference,
        boolean cudnnBenchmark) {
    /** Validates the values. */
    public BenchSettings {
        if (threads < 1 || runs < 1 || warmup < 0) {
            throw new IllegalArgumentException("need threads >= 1, runs >= 1, warmup >= 0; got threads " + threads
                    + ", runs " + runs + ", warmup " + warmup);
        }
        if (!device.equals("cpu") && !device.equals("cuda")) {
            throw new IllegalArgumentException("device must be cpu or cuda, got '" + device + "'");
        }
        if (inference == null) {
            throw new IllegalArgumentException("inference options must not be null");
        }
        if (size != null && (size < 8 || size % 8 != 0)) {
            throw new IllegalArgumentException("size must be a positive multiple of 8, got " + size);
        }
    }

    /** The torch name of the compute dtype: {@code float32}, {@code bfloat16} or {@code float16}. */
    public String dtype() {
        return switch (inference.precision()) {
            case FP32 -> "float32";
            case BF16 -> "bfloat16";
            case FP16 -> "float16";
        };
    }

    /** {@code channels_last} or {@code contiguous}. */
    public String memoryFormat() {
        return inference.channelsLast() ? "channels_last" : "contiguous";
    }
}
