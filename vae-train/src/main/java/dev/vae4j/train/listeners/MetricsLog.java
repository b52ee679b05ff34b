package dev.vae4j.train.listeners;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.train.IntervalReport;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends one JSON object per line to {@code <run>/metrics.jsonl}: every log interval's report
 * ({@code {"kind":"train","step":<last step>,"steps":<steps averaged>,"lr":..,"seconds":<summed>,"skipped":<count>,
 * <mean terms>}}, plus {@code peak_cuda_mb}, the CUDA caching allocator's peak allocated MiB since the start, when
 * training on CUDA) and any other record ({@code validation}, ...) through {@link #append(String, long, Map)}. The file
 * is appended to, so a resumed run continues it; {@link #truncateAfter(long)} first drops what the killed run logged
 * after the resumed checkpoint (and a record cut short by the kill), so no step is recorded twice. Each record is one
 * {@code write} of a whole line to a file opened for appending: a crash can cut only the last line short.
 */
public final class MetricsLog implements TrainingListener {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(MetricsLog.class);
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
    public void onLog(TrainingRun run, IntervalReport report) {
        ObjectNode line = JSON.createObjectNode();
        line.put("kind", "train");
        line.put("step", report.lastStep());
        line.put("steps", report.steps());
        line.put("lr", report.learningRate());
        line.put("seconds", report.seconds());
        line.put("skipped", report.skippedSteps());
        report.terms().forEach(line::put);
        long peakCuda = report.peakCudaBytes();
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

    /**
     * Rewrites the log (atomically) without the records of steps after {@code step} and without a last line cut short
     * by a crash: what a run resumed from checkpoint {@code step} must start from. No file: nothing to do.
     *
     * @return the number of lines dropped
     * @throws FileAccessException if the file cannot be read or rewritten (it is then unchanged)
     */
    public int truncateAfter(long step) {
        if (!Files.isRegularFile(file)) {
            return 0;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FileAccessException("cannot read " + file + ": " + e.getMessage(), e);
        }
        StringBuilder kept = new StringBuilder();
        int dropped = 0;
        for (String line : lines) {
            if (recordStep(line) <= step) {
                kept.append(line).append('\n');
            } else {
                dropped++;
            }
        }
        if (dropped > 0) {
            AtomicFiles.writeString(file, kept.toString());
            LOG.info("{}: dropped {} records logged after step {} (the resumed checkpoint)", file, dropped, step);
        }
        return dropped;
    }

    /** The step of a log line; {@code Long.MAX_VALUE} for a line that is not a whole record (so it is dropped). */
    private static long recordStep(String line) {
        try {
            JsonNode node = JSON.readTree(line);
            return node != null && node.path("step").canConvertToLong()
                    ? node.get("step").longValue()
                    : Long.MAX_VALUE;
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    private void write(ObjectNode line) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(
                    file,
                    JSON.writeValueAsString(line) + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new FileAccessException("cannot append to " + file + ": " + e.getMessage(), e);
        }
    }
}
