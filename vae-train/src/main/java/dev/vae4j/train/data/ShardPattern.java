package dev.vae4j.train.data;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands WebDataset-style shard patterns into file paths, as the {@code braceexpand} package does for WebDataset:
 * {@code {000000..000099}} is a numeric range (zero-padded to the width of its first bound), {@code {a,b,c}} a list;
 * several groups multiply. Several patterns can be given separated by {@code ::}. A string without braces is one path.
 */
public final class ShardPattern {
    private static final Pattern GROUP = Pattern.compile("\\{([^{}]*)}");
    private static final Pattern RANGE = Pattern.compile("(\\d+)\\.\\.(\\d+)");
    private static final int MAX_SHARDS = 10_000_000;

    private ShardPattern() {}

    /** Whether {@code text} names tar shards (a path or pattern ending in {@code .tar}) rather than a folder. */
    public static boolean isShardPattern(String text) {
        return text.endsWith(".tar");
    }

    /**
     * The paths named by {@code pattern}, in pattern order.
     *
     * @throws IllegalArgumentException naming the pattern, for a malformed group, a descending range, a bound beyond a
     *     long, too many paths or a path the file system rejects (a NUL character)
     */
    public static List<Path> expand(String pattern) {
        List<String> out = new ArrayList<>();
        long total = 0;
        for (String part : pattern.split("::")) {
            total += count(part, pattern);
            if (total > MAX_SHARDS) {
                // counted before anything is expanded: a pattern of a billion names fails at once, in no memory
                throw new IllegalArgumentException(
                        "shard pattern " + pattern + " names more than " + MAX_SHARDS + " files");
            }
        }
        for (String part : pattern.split("::")) {
            expandInto(part, pattern, out);
        }
        return out.stream().map(path -> toPath(path, pattern)).toList();
    }

    private static Path toPath(String path, String pattern) {
        try {
            return Path.of(path);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(
                    "shard pattern " + pattern + " names an invalid path (" + e.getReason() + ")", e);
        }
    }

    /**
     * The paths named by {@code pattern}, each checked to be a readable file.
     *
     * @throws IllegalArgumentException naming the first missing shard
     */
    public static List<Path> existing(String pattern) {
        List<Path> paths = expand(pattern);
        for (Path path : paths) {
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("shard " + path + " (from pattern " + pattern + ") does not exist");
            }
        }
        return paths;
    }

    /** How many paths {@code part} names (the product of its groups' sizes, capped above {@link #MAX_SHARDS}). */
    private static long count(String part, String pattern) {
        long product = 1;
        Matcher group = GROUP.matcher(part);
        while (group.find()) {
            product = Math.min((long) MAX_SHARDS + 1, product * size(group.group(1), pattern));
        }
        return product;
    }

    private static long size(String body, String pattern) {
        Matcher range = RANGE.matcher(body);
        if (range.matches()) {
            long from = bound(range.group(1), body, pattern);
            long to = bound(range.group(2), body, pattern);
            if (to < from || to - from >= MAX_SHARDS) {
                throw new IllegalArgumentException("bad range {" + body + "} in shard pattern " + pattern
                        + ": need first <= last and at most " + MAX_SHARDS + " values");
            }
            return to - from + 1;
        }
        if (body.contains(",")) {
            return body.split(",", -1).length;
        }
        throw new IllegalArgumentException(
                "bad group {" + body + "} in shard pattern " + pattern + ": use {first..last} or {a,b,...}");
    }

    private static long bound(String digits, String body, String pattern) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "bad range {" + body + "} in shard pattern " + pattern + ": bound " + digits + " exceeds "
                            + Long.MAX_VALUE,
                    e);
        }
    }

    private static void expandInto(String part, String pattern, List<String> out) {
        if (part.indexOf('{') < 0 && part.indexOf('}') < 0) {
            add(out, part, pattern);
            return;
        }
        Matcher group = GROUP.matcher(part);
        if (!group.find()) {
            throw new IllegalArgumentException("unbalanced braces in shard pattern " + pattern);
        }
        String head = part.substring(0, group.start());
        String tail = part.substring(group.end());
        for (String choice : choices(group.group(1), pattern)) {
            expandInto(head + choice + tail, pattern, out);
        }
    }

    private static List<String> choices(String body, String pattern) {
        size(body, pattern); // validates the group
        Matcher range = RANGE.matcher(body);
        if (!range.matches()) {
            return List.of(body.split(",", -1));
        }
        long from = bound(range.group(1), body, pattern);
        long to = bound(range.group(2), body, pattern);
        int width = range.group(1).length();
        List<String> values = new ArrayList<>();
        for (long v = from; v <= to; v++) {
            values.add(String.format("%0" + width + "d", v));
        }
        return values;
    }

    private static void add(List<String> out, String path, String pattern) {
        if (out.size() >= MAX_SHARDS) {
            throw new IllegalArgumentException(
                    "shard pattern " + pattern + " names more than " + MAX_SHARDS + " files");
        }
        out.add(path);
    }
}
