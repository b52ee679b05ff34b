package dev.vae4j.discriminators;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.Discriminator;
import java.util.Locale;

/**
 * Parameter and multiply-accumulate counts of a discriminator at an input size, computed analytically from its layers
 * (see {@link MacCountable} for what is counted), without running it. For the {@code vae inspect} command.
 */
public final class MacCounter {
    private MacCounter() {}

    /** What {@code vae inspect --discriminator} prints for one preset. */
    public record Report(String name, long parameters, long height, long width, long macs) {
        /** One line: {@code patchgan: 2,765,633 parameters, 3.147 GMACs at 256x256}. */
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%s: %,d parameters, %.3f GMACs at %dx%d",
                    name,
                    parameters,
                    macs / 1e9,
                    height,
                    width);
        }
    }

    /**
     * MACs of one forward pass of {@code d} on one {@code height} x {@code width} image.
     *
     * @throws IllegalArgumentException if {@code d} cannot state its MACs or cannot take that size
     */
    public static long macs(Discriminator d, long height, long width) {
        if (!(d instanceof MacCountable countable)) {
            throw new IllegalArgumentException(d.getClass().getSimpleName() + " does not count its MACs");
        }
        return countable.macs(height, width);
    }

    /** Parameters and MACs of {@code d}. */
    public static Report report(String name, Discriminator d, long height, long width) {
        return new Report(name, StateDict.parameterCount(d.module()), height, width, macs(d, height, width));
    }

    /** Parameters and MACs of the named preset ({@link DiscriminatorPresets}), built for inspection only. */
    public static Report report(String preset, long height, long width) {
        return report(preset, DiscriminatorPresets.forInspection(preset), height, width);
    }
}
