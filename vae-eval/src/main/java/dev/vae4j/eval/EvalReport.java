package dev.vae4j.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.io.AtomicFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of an evaluation: per-image metric statistics (PSNR in dB, SSIM, LPIPS), notes on metrics that were not
 * computed, latent statistics and free-form run facts; printed as a console table and written as {@code eval.json}.
 */
public final class EvalReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, Object> facts = new LinkedHashMap<>();
    private final Map<String, RunningStats> metrics = new LinkedHashMap<>();
    private final Map<String, String> definitions = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, Double> scalars = new LinkedHashMap<>();

    /** An empty report. */
    public EvalReport() {}

    /** Records a run fact (model, data, image count, ...); strings, numbers and lists of strings. */
    public void fact(String key, Object value) {
        facts.put(key, value);
    }

    /** Adds a metric's statistics with a one-line definition of how it was computed. */
    public void metric(String name, RunningStats stats, String definition) {
        metrics.put(name, stats);
        definitions.put(name, definition);
    }

    /** Adds a set-level metric (one value, e.g. rFID) with its definition. */
    public void scalar(String name, double value, String definition) {
        scalars.put(name, value);
        definitions.put(name, definition);
    }

    /** Adds a note, e.g. why a metric is missing. */
    public void note(String text) {
        notes.add(text);
    }

    /** Prints the metric table and the notes. */
    public void printTable(PrintWriter out) {
        out.printf(Locale.ROOT, "%-8s %10s %10s %10s %10s%n", "metric", "mean", "std", "min", "max");
        for (Map.Entry<String, RunningStats> e : metrics.entrySet()) {
            RunningStats s = e.getValue();
            out.printf(
                    Locale.ROOT, "%-8s %10.4f %10.4f %10.4f %10.4f%n", e.getKey(), s.mean(), s.std(), s.min(), s.max());
        }
        for (Map.Entry<String, Double> e : scalars.entrySet()) {
            out.printf(Locale.ROOT, "%-8s %10.4f%n", e.getKey(), e.getValue());
        }
        for (String note : notes) {
            out.println("note: " + note);
        }
        out.flush();
    }

    /**
     * Writes {@code eval.json}: facts, {@code metrics.<name>.{mean,std,min,max,count,definition}} per image,
     * {@code metrics.<name>.{value,definition}} per set, notes, latents.
     */
    public void writeJson(Path file, LatentStats latents, double latentRange, String latentSpace) {
        ObjectNode root = JSON.valueToTree(facts);
        ObjectNode m = root.putObject("metrics");
        for (Map.Entry<String, RunningStats> e : metrics.entrySet()) {
            RunningStats s = e.getValue();
            ObjectNode node = m.putObject(e.getKey());
            node.put("mean", s.mean());
            node.put("std", s.std());
            node.put("min", s.min());
            node.put("max", s.max());
            node.put("count", s.count());
            node.put("definition", definitions.get(e.getKey()));
        }
        for (Map.Entry<String, Double> e : scalars.entrySet()) {
            ObjectNode node = m.putObject(e.getKey());
            node.put("value", e.getValue());
            node.put("definition", definitions.get(e.getKey()));
        }
        ArrayNode n = root.putArray("notes");
        notes.forEach(n::add);
        ObjectNode l = root.putObject("latents");
        l.put("space", latentSpace);
        ArrayNode means = l.putArray("channel_mean");
        for (double v : latents.means()) {
            means.add(v);
        }
        ArrayNode stds = l.putArray("channel_std");
        for (double v : latents.stds()) {
            stds.add(v);
        }
        ObjectNode h = l.putObject("histogram");
        h.put("min", -latentRange);
        h.put("max", latentRange);
        ArrayNode counts = h.putArray("counts");
        for (long[] channel : latents.histogram()) {
            ArrayNode row = counts.addArray();
            for (long c : channel) {
                row.add(c);
            }
        }
        AtomicFiles.write(file, out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, root));
    }
}
