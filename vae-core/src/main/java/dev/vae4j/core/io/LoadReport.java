package dev.vae4j.core.io;

import java.util.List;

/**
 * What happened when named tensors were copied into a module: parameters the source lacked, source tensors the module
 * has no parameter for, and tensors whose shapes disagree (as "key: model [..] vs file [..]").
 *
 * @param missing model keys absent from the source
 * @param unexpected source keys the model does not have
 * @param mismatched keys present on both sides with different shapes, each with both shapes
 * @param loaded number of tensors copied
 */
public record LoadReport(List<String> missing, List<String> unexpected, List<String> mismatched, int loaded) {
    /** Copies the lists. */
    public LoadReport {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        mismatched = List.copyOf(mismatched);
    }

    /** True when every parameter was loaded and nothing was left over. */
    public boolean clean() {
        return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
    }

    /** Number of keys shown per list by {@link #summary}. */
    public static final int SUMMARY_KEYS = 5;

    /**
     * One line: how many of the model's tensors loaded, then for each non-empty list its size and its first
     * {@value #SUMMARY_KEYS} keys ("0 of 274 tensors loaded; 274 missing (a, b, c, d, e, +269 more); ...").
     */
    public String summary() {
        StringBuilder text = new StringBuilder();
        text.append(loaded)
                .append(" of ")
                .append(loaded + missing.size() + mismatched.size())
                .append(" tensors loaded");
        appendFirst(text, "missing", missing);
        appendFirst(text, "unexpected", unexpected);
        appendFirst(text, "shape mismatch", mismatched);
        return text.toString();
    }

    private static void appendFirst(StringBuilder text, String label, List<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        text.append("; ").append(keys.size()).append(' ').append(label).append(" (");
        text.append(String.join(", ", keys.subList(0, Math.min(SUMMARY_KEYS, keys.size()))));
        if (keys.size() > SUMMARY_KEYS) {
            text.append(", +").append(keys.size() - SUMMARY_KEYS).append(" more");
        }
        text.append(')');
    }

    /** A multi-line human-readable account listing every problem key. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        text.append(loaded).append(" tensors loaded");
        append(text, "missing", missing);
        append(text, "unexpected", unexpected);
        append(text, "shape mismatch", mismatched);
        return text.toString();
    }

    private static void append(StringBuilder text, String label, List<String> keys) {
        if (!keys.isEmpty()) {
            text.append("\n  ")
                    .append(keys.size())
                    .append(' ')
                    .append(label)
                    .append(": ")
                    .append(String.join(", ", keys));
        }
    }
}
