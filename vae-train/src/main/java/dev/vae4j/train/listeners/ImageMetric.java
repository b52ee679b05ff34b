package dev.vae4j.train.listeners;

import org.bytedeco.pytorch.Tensor;

/** A full-reference image metric over a batch: (reference, test), both (N, C, H, W) in [-1, 1] -> mean value. */
@FunctionalInterface
public interface ImageMetric {
    /** The metric averaged over the batch. */
    double mean(Tensor reference, Tensor test);
}
