package dev.vae4j.core.train.listeners;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.tensor.CudaMemory;
import dev.vae4j.core.train.StepReport;
import dev.vae4j.core.train.TrainingListener;
import dev.vae4j.core.train.TrainingRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Appends one JSON object per line to {@code <run>/metrics.jsonl}: every step's report
 * ({@code {"kind":"train","step":..,"lr":..,"seconds":..,"skipped":..,<terms>}}, plus {@code peak_cuda_mb}, the
 * CUDA caching allocator's peak allocated MiB since the start, when training on CUDA) and any other record
 * ({@code validation}, ...) through {@link #append(String, long, Map)}. The file is appended to, so a resumed run
 * continues it.
 */
public final class MetricsLog implements TrainingListener {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    /** @param runDir the run folder */
    public MetricsLog(Path runDir) {
        this.file = runDir.resolve("metrics.jsonl");
    }

    /** The log file. */
    public Path file() {
        return file;
    }

    @Override
    public void onStep(TrainingRun run, StepReport report) {
        ObjectNode line = JSON.createObjectNode();
        line.put("kind", "train");
        line.put("step", report.step());
        line.put("lr", report.learningRate());
        line.put("seconds", report.seconds());
        line.put("skipped", report.skipped());
        report.terms().forEach(line::put);
        long peakCuda = CudaMemory.peakAllocatedBytes(run.config().device());
        if (peakCuda >= 0) {
            line.put("peak_cuda_mb", peakCuda / (1024.0 * 1024.0));
        }
        write(line);
    }

    /** Appends a record of {@code kind} at {@code step} with the given values. */
    public void append(String kind, long step, Map<String, Double> values) {
        ObjectNode line = JSON.createObjectNode();
        line.put("kind", kind);
        line.put("step", step);
        values.forEach(line::put);
        write(line);
    }

    private void write(ObjectNode line) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage(), e);
        }
    }
}
