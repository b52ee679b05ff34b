package dev.vae4j.train.cache;

import dev.vae4j.train.data.ImageSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The ordered inputs of a latent cache, one {@link ImageSource#identity} line each (relative path, size, modification
 * time for an image folder), with their SHA-256 (over the lines, each ended by a newline): two caches of the same
 * inputs in the same order have equal digests.
 *
 * @param lines the identity lines, in input order
 * @param sha256 lower-case hex SHA-256 of the lines
 */
public record InputList(List<String> lines, String sha256) {
    /** Copies the lines. */
    public InputList {
        lines = List.copyOf(lines);
    }

    /** The input list of {@code source}. */
    public static InputList of(ImageSource source) {
        List<String> lines = new ArrayList<>(source.size());
        for (int i = 0; i < source.size(); i++) {
            lines.add(source.identity(i));
        }
        return of(lines);
    }

    /** The input list of these identity lines. */
    public static InputList of(List<String> lines) {
        MessageDigest digest = newSha256();
        for (String line : lines) {
            digest.update((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return new InputList(lines, HexFormat.of().formatHex(digest.digest()));
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM provides SHA-256", e);
        }
    }

    /**
     * How {@code now} differs from this recorded list, e.g. {@code "input list differs: 1,204 files recorded, 1,204
     * now, first difference at #17: a.png 120 1700000 vs b.png 98 1700400"}; null when they are equal.
     */
    public String difference(InputList now) {
        if (sha256.equals(now.sha256)) {
            return null;
        }
        int n = Math.min(lines.size(), now.lines.size());
        int first = 0;
        while (first < n && lines.get(first).equals(now.lines.get(first))) {
            first++;
        }
        String recorded = first < lines.size() ? shown(lines.get(first)) : "(none)";
        String given = first < now.lines.size() ? shown(now.lines.get(first)) : "(none)";
        return String.format(
                Locale.ROOT,
                "input list differs: %,d files recorded, %,d now, first difference at #%d: %s vs %s",
                lines.size(),
                now.lines.size(),
                first,
                recorded,
                given);
    }

    private static String shown(String line) {
        return line.replace('\t', ' ');
    }
}
