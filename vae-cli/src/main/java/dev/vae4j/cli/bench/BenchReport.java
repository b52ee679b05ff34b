package dev.vae4j.cli.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/**
 * A whole benchmark report: the settings and one {@link BenchResult} per workload. Its JSON form (snake_case) is the
 * schema shared with {@code tools/reference/bench.py}.
 *
 * @param implementation {@code vae4j} here ({@code pytorch} for the Python reference)
 * @param device {@code cpu} or {@code cuda}
 * @param threads libtorch intra-op threads
 * @param dtype the compute dtype ({@code float32}, or {@code bfloat16}/{@code float16} under autocast)
 * @param memoryFormat {@code contiguous} or {@code channels_last}
 * @param runs timed runs per workload
 * @param warmup warm-up runs per workload
 * @param results one entry per workload, in the order run
 */
public record BenchReport(
        @JsonProperty("implementation") String implementation,
        @JsonProperty("device") String device,
        @JsonProperty("threads") int threads,
        @JsonProperty("dtype") String dtype,
        @JsonProperty("memory_format") String memoryFormat,
        @JsonProperty("runs") int runs,
        @JsonProperty("warmup") int warmup,
        @JsonProperty("results") List<BenchResult> results) {

    /** A report of {@code results} measured with {@code settings}. */
    public static BenchReport of(BenchSettings settings, List<BenchResult> results) {
        return new BenchReport(
                "vae4j",
                settings.device(),
                settings.threads(),
                settings.dtype(),
                settings.memoryFormat(),
                settings.runs(),
                settings.warmup(),
                List.copyOf(results));
    }

    /** The report as indented JSON. */
    public String toJson() {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The report as a fixed-width table for people. */
    public String toTable() {
        StringBuilder text = new StringBuilder(String.format(
                Locale.ROOT,
                "vae4j bench: %s, %d thread(s), %s, %s, %d warm-up + %d timed run(s), one fresh JVM per workload%n",
                device,
                threads,
                dtype,
                memoryFormat,
                warmup,
                runs));
        boolean cuda = device.equals("cuda");
        text.append(String.format(
                Locale.ROOT,
                "%-22s %-18s %10s %10s %10s %9s %12s%s%n",
                "workload",
                "input",
                "median ms",
                "min ms",
                "max ms",
                "img/s",
                "peak RSS MiB",
                cuda ? "  peak CUDA MiB" : ""));
        for (BenchResult r : results) {
            String shape = r.inputShape().toString().replace(" ", "");
            text.append(String.format(
                    Locale.ROOT,
                    "%-22s %-18s %10.1f %10.1f %10.1f %9.3f %12.1f%s%n",
                    r.workload(),
                    shape,
                    r.medianMs(),
                    r.minMs(),
                    r.maxMs(),
                    r.imagesPerSecond(),
                    r.peakRssMb(),
                    cuda ? String.format(Locale.ROOT, " %15.1f", r.peakCudaMb()) : ""));
        }
        text.append("peak RSS = VmHWM above the RSS right before the model was built (weights + activations + caches)")
                .append(cuda ? "; peak CUDA = the caching allocator's peak allocated bytes" : "")
                .append(System.lineSeparator());
        return text.toString();
    }
}
