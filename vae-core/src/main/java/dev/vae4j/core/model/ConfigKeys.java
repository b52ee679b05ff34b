package dev.vae4j.core.model;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * Strict configuration keys: an unknown key is an error that names it and, when one known key is close (edit distance
 * at most a third of its length, and at least 2), suggests it, e.g. {@code "AutoencoderKL config: unknown key
 * 'latent_chanels' (did you mean 'latent_channels'?)"}.
 */
public final class ConfigKeys {
    private static final LevenshteinDistance DISTANCE = LevenshteinDistance.getDefaultInstance();

    private ConfigKeys() {}

    /** The known key closest to {@code key}, if one is close enough to be a likely typo. */
    public static Optional<String> closest(String key, Collection<String> known) {
        int limit = Math.max(2, key.length() / 3);
        return known.stream()
                .map(k -> new Scored(k, DISTANCE.apply(key, k)))
                .filter(s -> s.distance() <= limit)
                .min(Comparator.comparingInt(Scored::distance).thenComparing(Scored::key))
                .map(Scored::key);
    }

    /**
     * The message for an unknown {@code key} in {@code what} ("AutoencoderKL config", "recipe train"): the key, and the
     * closest known key if any.
     */
    public static String unknownKeyMessage(String what, String key, Collection<String> known) {
        return what + ": unknown key '" + key + "'"
                + closest(key, known)
                        .map(k -> " (did you mean '" + k + "'?)")
                        .orElse(" (known keys: "
                                + String.join(", ", known.stream().sorted().toList()) + ")");
    }

    /**
     * Checks every key of {@code keys} is in {@code known}.
     *
     * @throws IllegalArgumentException with {@link #unknownKeyMessage} for the first one that is not
     */
    public static void requireKnown(String what, Iterable<String> keys, Collection<String> known) {
        for (String key : keys) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException(unknownKeyMessage(what, key, known));
            }
        }
    }

    private record Scored(String key, int distance) {}
}
