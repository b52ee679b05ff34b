package dev.vae4j.core.io;

import dev.vae4j.core.Vae4jException;

/**
 * Weights could not be loaded strictly into a model. The message is one line (the counts, the first
 * {@value LoadReport#SUMMARY_KEYS} keys of each list and, when known, the layout the file resembles and how to load
 * it); {@link #report()} and {@link #details()} list every problem key.
 */
public final class WeightLoadingException extends Vae4jException {
    private static final long serialVersionUID = 1L;
    private final transient LoadReport report;
    private final String source;

    /**
     * @param source where the weights came from (a file path)
     * @param report the full account of missing, unexpected and mis-shaped keys
     */
    public WeightLoadingException(String source, LoadReport report) {
        this(source, report, "");
    }

    /**
     * @param source where the weights came from (a file path)
     * @param report the full account of missing, unexpected and mis-shaped keys
     * @param hint what the file looks like and how to load it ({@link CheckpointLayout#hint}), or empty
     */
    public WeightLoadingException(String source, LoadReport report, String hint) {
        super("cannot load weights from " + source + ": " + report.summary() + (hint.isEmpty() ? "" : "; " + hint));
        this.report = report;
        this.source = source;
    }

    /** The full report. */
    public LoadReport report() {
        return report;
    }

    /** Every problem key, several lines ({@link LoadReport#describe()}), for {@code --verbose} output. */
    public String details() {
        return "cannot load weights from " + source + ": " + report.describe();
    }
}
