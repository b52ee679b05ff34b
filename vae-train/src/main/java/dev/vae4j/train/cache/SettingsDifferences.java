package dev.vae4j.train.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Names what differs between two JSON settings blobs (a shard's settings, a model config) for one-line errors. */
final class SettingsDifferences {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SettingsDifferences() {}

    /**
     * The settings that differ between two index headers, each as {@code key: was -> now} (nested keys joined with
     * dots, long values shortened), or the whole of the old one when it is not JSON.
     */
    static String between(String written, String now) {
        JsonNode before;
        JsonNode after;
        try {
            before = JSON.readTree(written == null ? "null" : written);
            after = JSON.readTree(now);
        } catch (IOException e) {
            return "unreadable settings " + shorten(String.valueOf(written));
        }
        List<String> found = new ArrayList<>();
        collectDifferences("", before, after, found);
        return found.isEmpty() ? "the same settings in another order" : String.join(", ", found);
    }

    private static void collectDifferences(String path, JsonNode before, JsonNode after, List<String> found) {
        if (before != null && after != null && before.isObject() && after.isObject()) {
            Set<String> keys = new TreeSet<>();
            before.fieldNames().forEachRemaining(keys::add);
            after.fieldNames().forEachRemaining(keys::add);
            for (String key : keys) {
                collectDifferences(path.isEmpty() ? key : path + "." + key, before.get(key), after.get(key), found);
            }
        } else if (before == null || !before.equals(after)) {
            found.add(path + ": " + shorten(String.valueOf(before)) + " -> " + shorten(String.valueOf(after)));
        }
    }

    private static String shorten(String value) {
        return value.length() <= 80 ? value : value.substring(0, 77) + "...";
    }
}
