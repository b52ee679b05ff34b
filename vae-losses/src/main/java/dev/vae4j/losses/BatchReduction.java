package dev.vae4j.losses;

import org.bytedeco.pytorch.Tensor;

/** How per-sample values (N) become one scalar: their batch mean ({@code sum / N}, LDM) or their sum. */
public enum BatchReduction {
    /** {@code sum(values) / N}. */
    MEAN,
    /** {@code sum(values)}. */
    SUM;

    /** Reduces per-sample values (N) to a 0-d tensor. */
    public Tensor apply(Tensor perSample) {
        if (perSample.dim() != 1) {
            throw new IllegalArgumentException("per-sample values must be 1-D (N), got dim " + perSample.dim());
        }
        return this == MEAN ? perSample.mean() : perSample.sum();
    }
}
