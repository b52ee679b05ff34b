package dev.vae4j.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.FileAccessException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/**
 * Typed reads of one model configuration object ({@code config.json}) for the config records of every model family:
 * each read names the key, takes a fallback when the key is absent or null (or requires it), and rejects a value of the
 * wrong type with a {@link ConfigFormatException} naming the configuration, the key and the value.
 */
public final class ConfigFields {
    private final ObjectNode root;
    private final String what;

    private ConfigFields(ObjectNode root, String what) {
        this.root = root;
        this.what = what;
    }

    /** Reads of {@code root}, whose errors start with {@code what}; callers get one from {@link ModelConfig#fields}. */
    static ConfigFields of(ObjectNode root, String what) {
        return new ConfigFields(root, what);
    }

    /**
     * Builds a config from a {@code config.json} file with {@code parse}, naming the file in any error: the one entry
     * point of every {@code read(Path)} of a config record.
     *
     * @throws FileAccessException if the file cannot be read
     * @throws ConfigFormatException naming the file if it is not JSON, not an object, or {@code parse} rejects it
     */
    public static <C> C read(Path file, Function<ModelConfig, C> parse) {
        ModelConfig config = ModelConfig.read(file);
        try {
            return parse.apply(config);
        } catch (ConfigFormatException | IllegalArgumentException e) {
            throw new ConfigFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code construct} (a record constructor that validates with {@link IllegalArgumentException}) and reports
     * its rejection as a {@link ConfigFormatException}: a value read from a config is bad input, not a bad argument.
     */
    public static <C> C construct(java.util.function.Supplier<C> construct) {
        try {
            return construct.get();
        } catch (IllegalArgumentException e) {
            throw new ConfigFormatException(e.getMessage(), e);
        }
    }

    /** An error naming this configuration. */
    public ConfigFormatException error(String message) {
        return new ConfigFormatException(what + ": " + message);
    }

    /** Fails unless {@code condition}, with {@link #error(String)}. */
    public void require(boolean condition, String message) {
        if (!condition) {
            throw error(message);
        }
    }

    /** Fails on the first key of the object that is not in {@code known}, suggesting the closest known key. */
    public void requireKnownKeys(Collection<String> known) {
        root.fieldNames().forEachRemaining(key -> {
            if (!known.contains(key)) {
                throw new ConfigFormatException(ConfigKeys.unknownKeyMessage(what, key, known));
            }
        });
    }

    /** The keys of the object, in its order. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        root.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    /** The value of {@code key} as JSON text, or null when absent. */
    public String json(String key) {
        JsonNode node = root.get(key);
        return node == null ? null : node.toString();
    }

    /** The value of {@code key}, or null when it is absent or JSON null. */
    JsonNode present(String key) {
        JsonNode node = root.get(key);
        return node == null || node.isNull() ? null : node;
    }

    /** The value of {@code key}; an error when it is absent or null. */
    JsonNode required(String key) {
        JsonNode node = present(key);
        if (node == null) {
            throw error("missing key " + key);
        }
        return node;
    }

    /** An integer, or {@code fallback} when absent. */
    public int integer(String key, int fallback) {
        JsonNode node = present(key);
        return node == null ? fallback : integer(key, node);
    }

    /** A required integer. */
    public int integer(String key) {
        return integer(key, required(key));
    }

    /** A number, or {@code fallback} when absent. */
    public double number(String key, double fallback) {
        Double value = optionalNumber(key);
        return value == null ? fallback : value;
    }

    /** A number, or null when absent. */
    public Double optionalNumber(String key) {
        JsonNode node = present(key);
        if (node == null) {
            return null;
        }
        if (!node.isNumber()) {
            throw wrongType(key, "a number", node);
        }
        return node.doubleValue();
    }

    /** A boolean, or {@code fallback} when absent. */
    public boolean bool(String key, boolean fallback) {
        JsonNode node = present(key);
        return node == null ? fallback : bool(key, node);
    }

    /** A required boolean. */
    public boolean bool(String key) {
        return bool(key, required(key));
    }

    /** A string, or {@code fallback} when absent. */
    public String text(String key, String fallback) {
        JsonNode node = present(key);
        return node == null ? fallback : text(key, node);
    }

    /** A required string. */
    public String text(String key) {
        return text(key, required(key));
    }

    /** A list of integers, or {@code fallback} when absent. */
    public List<Integer> integers(String key, List<Integer> fallback) {
        JsonNode node = present(key);
        return node == null ? fallback : integers(key, node);
    }

    /** A required list of integers. */
    public List<Integer> integers(String key) {
        return integers(key, required(key));
    }

    /** A list of numbers, or null when absent. */
    public List<Double> numbers(String key) {
        JsonNode node = present(key);
        if (node == null) {
            return null;
        }
        List<Double> values = new ArrayList<>();
        for (JsonNode item : list(key, node, "a list of numbers")) {
            if (!item.isNumber()) {
                throw wrongType(key, "a list of numbers", node);
            }
            values.add(item.doubleValue());
        }
        return values;
    }

    /** A list of strings, or {@code fallback} when absent. */
    public List<String> texts(String key, List<String> fallback) {
        JsonNode node = present(key);
        if (node == null) {
            return fallback;
        }
        List<String> values = new ArrayList<>();
        for (JsonNode item : list(key, node, "a list of strings")) {
            values.add(text(key, item));
        }
        return values;
    }

    private int integer(String key, JsonNode node) {
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw wrongType(key, "an integer", node);
        }
        return node.intValue();
    }

    private boolean bool(String key, JsonNode node) {
        if (!node.isBoolean()) {
            throw wrongType(key, "true or false", node);
        }
        return node.booleanValue();
    }

    private String text(String key, JsonNode node) {
        if (!node.isTextual()) {
            throw wrongType(key, "a string", node);
        }
        return node.textValue();
    }

    private List<Integer> integers(String key, JsonNode node) {
        List<Integer> values = new ArrayList<>();
        for (JsonNode item : list(key, node, "a list of integers")) {
            if (!item.isIntegralNumber() || !item.canConvertToInt()) {
                throw wrongType(key, "a list of integers", node);
            }
            values.add(item.intValue());
        }
        return values;
    }

    private JsonNode list(String key, JsonNode node, String what) {
        if (!node.isArray()) {
            throw wrongType(key, what, node);
        }
        return node;
    }

    private ConfigFormatException wrongType(String key, String expected, JsonNode node) {
        return error(key + " must be " + expected + ", got " + node);
    }
}
