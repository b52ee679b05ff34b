package dev.vae4j.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** Typed reads of config.json fields with fallbacks; errors name the key and the offending value. */
final class JsonFields {
    private JsonFields() {}

    static JsonNode present(ObjectNode root, String key) {
        JsonNode node = root.get(key);
        return node == null || node.isNull() ? null : node;
    }

    static int intField(ObjectNode root, String key, int fallback) {
        JsonNode node = present(root, key);
        if (node == null) {
            return fallback;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber()) {
            throw new IllegalArgumentException("AutoencoderKL config: " + key + " must be an integer, got " + node);
        }
        return node.intValue();
    }

    static double doubleField(ObjectNode root, String key, double fallback) {
        Double value = nullableDouble(root, key);
        return value == null ? fallback : value;
    }

    static Double nullableDouble(ObjectNode root, String key) {
        JsonNode node = present(root, key);
        if (node == null) {
            return null;
        }
        if (!node.isNumber()) {
            throw new IllegalArgumentException("AutoencoderKL config: " + key + " must be a number, got " + node);
        }
        return node.doubleValue();
    }

    static boolean boolField(ObjectNode root, String key, boolean fallback) {
        JsonNode node = present(root, key);
        if (node == null) {
            return fallback;
        }
        if (!node.isBoolean()) {
            throw new IllegalArgumentException("AutoencoderKL config: " + key + " must be true/false, got " + node);
        }
        return node.booleanValue();
    }

    static String textField(ObjectNode root, String key, String fallback) {
        JsonNode node = present(root, key);
        return node == null ? fallback : node.asText();
    }

    static ArrayNode array(ObjectNode root, String key) {
        JsonNode node = present(root, key);
        if (node == null) {
            return null;
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("AutoencoderKL config: " + key + " must be a list, got " + node);
        }
        return (ArrayNode) node;
    }

    static List<String> stringList(ObjectNode root, String key, List<String> fallback) {
        ArrayNode array = array(root, key);
        if (array == null) {
            return fallback;
        }
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.asText()));
        return values;
    }

    static List<Integer> intList(ObjectNode root, String key, List<Integer> fallback) {
        ArrayNode array = array(root, key);
        if (array == null) {
            return fallback;
        }
        List<Integer> values = new ArrayList<>();
        for (JsonNode node : array) {
            if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                throw new IllegalArgumentException("AutoencoderKL config: " + key + " holds a non-integer " + node);
            }
            values.add(node.intValue());
        }
        return values;
    }

    static List<Double> doubleList(ObjectNode root, String key) {
        ArrayNode array = array(root, key);
        if (array == null) {
            return null;
        }
        List<Double> values = new ArrayList<>();
        for (JsonNode node : array) {
            if (!node.isNumber()) {
                throw new IllegalArgumentException("AutoencoderKL config: " + key + " holds a non-number " + node);
            }
            values.add(node.doubleValue());
        }
        return values;
    }
}
