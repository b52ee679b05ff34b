package dev.vae4j.cli.bench;

import java.util.List;

/**
 * A workload with its model built and its inputs allocated, ready to be timed. {@link #run()} performs one timed
 * operation and returns only once the result is computed (it reads a scalar back to the host, which waits for any
 * device work).
 */
public interface PreparedWorkload extends AutoCloseable {
    /** Shape of the input of one run (images NCHW, or latents NCHW for decoders). */
    List<Long> inputShape();

    /** Images processed by one run (the batch size). */
    int imagesPerRun();

    /** Whether runs execute under {@code InferenceMode} (false for training steps). */
    boolean inference();

    /** Performs one operation; temporaries belong to the caller's tensor scope. */
    void run();

    /** Releases what the workload holds beyond native memory (threads); nothing by default. */
    @Override
    default void close() {}
}
