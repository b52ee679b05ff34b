package dev.vae4j.core.io;

import dev.vae4j.core.Vae4jException;

/** Weights could not be loaded strictly into a model; {@link #report()} lists every problem key at once. */
public final class WeightLoadingException extends Vae4jException {
    private static final long serialVersionUID = 1L;
    private final transient LoadReport report;

    /**
     * @param source where the weights came from (a file path)
     * @param report the full account of missing, unexpected and mis-shaped keys
     */
    public WeightLoadingException(String source, LoadReport report) {
        super("cannot load weights from " + source + ": " + report.describe());
        this.report = report;
    }

    /** The full report. */
    public LoadReport report() {
        return report;
    }
}
