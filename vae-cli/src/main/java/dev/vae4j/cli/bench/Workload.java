package dev.vae4j.cli.bench;

import dev.vae4j.core.model.InferenceOptions;
import org.bytedeco.pytorch.Device;

/** A named benchmark workload; {@link Workloads} lists the built-in ones. */
public interface Workload {
    /** The name used on the command line and in reports ({@code sd-encode}, ...). */
    String name();

    /** One line saying what is timed. */
    String description();

    /** Image side in pixels used when the settings give no size. */
    int defaultSize();

    /** Whether {@code --size} changes this workload (false when the size is part of its name). */
    default boolean resizable() {
        return true;
    }

    /**
     * Builds the model (random weights, seeded) and the inputs on {@code device}; runs use {@code options} (weights
     * prepared once here, autocast and input layout per run).
     *
     * @param size image side in pixels (latents are {@code size / 8} for the SD preset)
     */
    PreparedWorkload prepare(int size, Device device, InferenceOptions options);
}
