package dev.vae4j.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.FileAccessException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model's configuration as its {@code config.json} holds it: an immutable JSON object whose {@code _class_name} says
 * which {@link AutoencoderFormat} builds the model. Config records ({@link AutoencoderKLConfig}, the AutoencoderTiny
 * and LiteVAE configs) convert to and from it; {@link #fields(String)} reads it key by key with typed, checked reads.
 */
public final class ModelConfig {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper LENIENT =
            JsonMapper.builder().enable(JsonReadFeature.ALLOW_TRAILING_COMMA).build();

    private final ObjectNode tree;

    private ModelConfig(ObjectNode tree) {
        this.tree = tree.deepCopy();
    }

    /** For Jackson (a recipe's {@code model.config} section): the object as it was read. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    private static ModelConfig fromTree(ObjectNode tree) {
        return new ModelConfig(tree);
    }

    /**
     * Parses {@code json}, a JSON object.
     *
     * @throws ConfigFormatException if it is not JSON or not an object
     */
    public static ModelConfig parse(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ConfigFormatException("model config is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new ConfigFormatException("model config is not a JSON object: " + json);
        }
        return new ModelConfig(object);
    }

    /**
     * Reads the {@code config.json} file {@code file}.
     *
     * @throws FileAccessException if it cannot be read
     * @throws ConfigFormatException if it is not JSON or not an object
     */
    public static ModelConfig read(Path file) {
        JsonNode node;
        try {
            node = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new ConfigFormatException(
                    "model config " + file + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new FileAccessException("cannot read model config " + file + ": " + e.getMessage(), e);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new ConfigFormatException("model config " + file + " is not a JSON object");
        }
        return new ModelConfig(object);
    }

    /**
     * The object under top-level key {@code key} of the JSON file {@code file}, which may have trailing commas (the
     * hand-edited training configs of pytorch-diffusion, {@code configs/*.json}, have them); empty when the file is not
     * a JSON object or has no object under {@code key}.
     *
     * @throws FileAccessException if it cannot be read
     * @throws ConfigFormatException naming the file if it is not JSON
     */
    public static Optional<ModelConfig> readSection(Path file, String key) {
        JsonNode node;
        try {
            node = LENIENT.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new ConfigFormatException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new FileAccessException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return node != null && node.get(key) instanceof ObjectNode section
                ? Optional.of(new ModelConfig(section))
                : Optional.empty();
    }

    /** A config of {@code fields} (strings, numbers, booleans, null, and lists or maps of them), in their order. */
    public static ModelConfig of(Map<String, ?> fields) {
        return new ModelConfig(JSON.valueToTree(fields));
    }

    /** The {@code _class_name}, or {@code AutoencoderKL} (diffusers' VAE) when the config names none. */
    public String className() {
        JsonNode name = tree.get("_class_name");
        return name == null || name.isNull() ? AutoencoderKLConfig.CLASS_NAME : name.asText();
    }

    /** Whether the config holds {@code key}. */
    public boolean has(String key) {
        return tree.has(key);
    }

    /** The keys, in the file's order. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        tree.fieldNames().forEachRemaining(keys::add);
        return Collections.unmodifiableList(keys);
    }

    /**
     * This config with {@code key} set to {@code value} (a string, number, boolean, null, or a list or map of them).
     */
    public ModelConfig with(String key, Object value) {
        ObjectNode copy = tree.deepCopy();
        copy.set(key, JSON.valueToTree(value));
        return new ModelConfig(copy);
    }

    /** This config without {@code key}. */
    public ModelConfig without(String key) {
        ObjectNode copy = tree.deepCopy();
        copy.remove(key);
        return new ModelConfig(copy);
    }

    /** Typed reads of this config, whose errors start with {@code what} (e.g. "AutoencoderKL config"). */
    public ConfigFields fields(String what) {
        return ConfigFields.of(tree, what);
    }

    /** The config as indented JSON text (what {@code config.json} holds). */
    public String toJson() {
        try {
            return JSON.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    @JsonValue
    private ObjectNode tree() {
        return tree;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ModelConfig that && tree.equals(that.tree);
    }

    @Override
    public int hashCode() {
        return tree.hashCode();
    }

    @Override
    public String toString() {
        return tree.toString();
    }
}
