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
