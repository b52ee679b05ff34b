package dev.vae4j.train.data;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands WebDataset-style shard patterns into file paths, as the {@code braceexpand} package does for WebDataset:
 * {@code {000000..000099}} is a numeric range (zero-padded to the width of its first bound), {@code {a,b,c}} a list;
 * several groups multiply (groups do not nest). Several patterns can be given separated by {@code ::}. A string without
 * braces is one path. The names are counted before any is built, and each group's values are built once, so expanding
 * costs time and memory in proportion to the names produced: at most a million (about a second and 200 MB; a million
 * WebDataset shards of the usual 0.5 to 1 GB are a petabyte).
 */
public final class ShardPattern {
    private static final Pattern GROUP = Pattern.compile("\\{([^{}]*)}");
    private static final Pattern RANGE = Pattern.compile("(\\d+)\\.\\.(\\d+)");
    private static final int MAX_SHARDS = 1_000_000;

    private ShardPattern() {}

    /** Whether {@code text} names tar shards (a path or pattern ending in {@code .tar}) rather than a folder. */
    public static boolean isShardPattern(String text) {
        return text.endsWith(".tar");
    }

    /**
     * The paths named by {@code pattern}, in pattern order.
     *
     * @throws IllegalArgumentException naming the pattern, for a malformed, nested or unbalanced group, a descending
     *     range, a bound beyond a long, too many paths or a path the file system rejects (a NUL character)
     */
    public static List<Path> expand(String pattern) {
        String[] parts = pattern.split("::");
        long total = 0;
        for (String part : parts) {
            total += count(part, pattern);
            if (total > MAX_SHARDS) {
                // counted before anything is expanded: a pattern of a billion names fails at once, in no memory
                throw new IllegalArgumentException(
                        "shard pattern " + pattern + " names more than " + MAX_SHARDS + " files");
            }
        }
        List<Path> out = new ArrayList<>((int) total);
        for (String part : parts) {
            appendProduct(factors(part, pattern), pattern, out);
        }
        return Collections.unmodifiableList(out);
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

    /**
     * How many paths {@code part} names (the product of its groups' sizes, capped above {@link #MAX_SHARDS}).
     *
     * @throws IllegalArgumentException for a malformed group or a brace outside a group
     */
    private static long count(String part, String pattern) {
        long product = 1;
        Matcher group = GROUP.matcher(part);
        int literalStart = 0;
        while (group.find()) {
            checkLiteral(part.substring(literalStart, group.start()), pattern);
            product = Math.min((long) MAX_SHARDS + 1, product * size(group.group(1), pattern));
            literalStart = group.end();
        }
        checkLiteral(part.substring(literalStart), pattern);
        return product;
    }

    private static void checkLiteral(String literal, String pattern) {
        if (literal.indexOf('{') >= 0 || literal.indexOf('}') >= 0) {
            throw new IllegalArgumentException("unbalanced or nested braces in shard pattern " + pattern
                    + ": groups are {first..last} or {a,b,...} and do not nest");
        }
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

    /** {@code part} (already {@link #count counted}) as the values of its literals (one each) and groups, in order. */
    private static List<List<String>> factors(String part, String pattern) {
        List<List<String>> factors = new ArrayList<>();
        Matcher group = GROUP.matcher(part);
        int literalStart = 0;
        while (group.find()) {
            factors.add(List.of(part.substring(literalStart, group.start())));
            factors.add(choices(group.group(1), pattern));
            literalStart = group.end();
        }
        factors.add(List.of(part.substring(literalStart)));
        return factors;
    }

    private static List<String> choices(String body, String pattern) {
        Matcher range = RANGE.matcher(body);
        if (!range.matches()) {
            return List.of(body.split(",", -1));
        }
        long from = bound(range.group(1), body, pattern);
        long to = bound(range.group(2), body, pattern);
        int width = range.group(1).length();
        List<String> values = new ArrayList<>((int) (to - from + 1));
        for (long v = from; v <= to; v++) {
            String digits = Long.toString(v);
            values.add(digits.length() >= width ? digits : "0".repeat(width - digits.length()) + digits);
        }
        return values;
    }

    /** Appends every combination of one value per factor, the last factor varying fastest. */
    private static void appendProduct(List<List<String>> factors, String pattern, List<Path> out) {
        int[] choice = new int[factors.size()];
        StringBuilder name = new StringBuilder();
        while (true) {
            name.setLength(0);
            for (int f = 0; f < factors.size(); f++) {
                name.append(factors.get(f).get(choice[f]));
            }
            out.add(toPath(name.toString(), pattern));
            int f = factors.size() - 1;
            while (f >= 0 && ++choice[f] == factors.get(f).size()) {
                choice[f] = 0;
                f--;
            }
            if (f < 0) {
                return;
            }
        }
    }

    private static Path toPath(String path, String pattern) {
        try {
            return Path.of(path);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(
                    "shard pattern " + pattern + " names an invalid path (" + e.getReason() + ")", e);
        }
    }
}
