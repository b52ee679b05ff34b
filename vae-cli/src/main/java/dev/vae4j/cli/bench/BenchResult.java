package dev.vae4j.cli.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The measurements of one workload; serialised with the snake_case names below (the schema
 * {@code tools/reference/bench.py} writes too).
 *
 * @param workload the workload name
 * @param description what was timed
 * @param inputShape shape of one run's input
 * @param imagesPerRun images per run (batch size)
 * @param medianMs median wall time of the timed runs, milliseconds
 * @param minMs fastest timed run, milliseconds
 * @param maxMs slowest timed run, milliseconds
 * @param imagesPerSecond {@code imagesPerRun / median} in images per second
 * @param peakRssMb peak resident set size above the RSS right before the model was built (Linux VmHWM), MiB; weights +
 *     activations + allocator caches; -1 where not measurable
 * @param peakCudaMb peak CUDA memory held by tensors during the workload (the caching allocator's peak allocated bytes,
 *     PyTorch's {@code max_memory_allocated}), MiB; -1 on the CPU
 * @param timesMs every timed run in order, milliseconds
 * @param cpuMs the CPU time of the whole process (every thread: libtorch's, the data loader's, the JVM's) during each
 *     timed run, in order, milliseconds: other load on the machine changes it far less than wall time
 */
public record BenchResult(
        @JsonProperty("workload") String workload,
        @JsonProperty("description") String description,
        @JsonProperty("input_shape") List<Long> inputShape,
        @JsonProperty("images_per_run") int imagesPerRun,
        @JsonProperty("median_ms") double medianMs,
        @JsonProperty("min_ms") double minMs,
        @JsonProperty("max_ms") double maxMs,
        @JsonProperty("images_per_s") double imagesPerSecond,
        @JsonProperty("peak_rss_mb") double peakRssMb,
        @JsonProperty("peak_cuda_mb") double peakCudaMb,
        @JsonProperty("times_ms") List<Double> timesMs,
        @JsonProperty("cpu_ms") List<Double> cpuMs) {}
