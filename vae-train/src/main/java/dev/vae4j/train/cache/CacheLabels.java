package dev.vae4j.train.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.train.data.ImageClassFolders;
import dev.vae4j.train.data.ImageClasses;
import dev.vae4j.train.data.ImageSource;
import dev.vae4j.train.data.SyntheticImages;
import java.io.IOException;
import java.util.List;

/**
 * Where a latent cache takes each sample's integer class label from: nowhere ({@code none}), the class sub-folder of an
 * {@link ImageClassFolders} ({@code folders}, with its class names), the texture kind of the built-in
 * {@link SyntheticImages} ({@code synthetic}, with its class names), or a WebDataset sample's {@code .json} key
 * {@code KEY} falling back to its {@code .cls} entry ({@code json:KEY}).
 */
public final class CacheLabels {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String mode;
    private final List<String> classNames;
    private final ImageClasses classes;
    private final String key;

    private CacheLabels(String mode, List<String> classNames, ImageClasses classes, String key) {
        this.mode = mode;
        this.classNames = classNames;
        this.classes = classes;
        this.key = key;
    }

    /** No labels. */
    public static CacheLabels none() {
        return new CacheLabels("none", List.of(), null, null);
    }

    /** The class index of each image of {@code folders.images()} (the source to cache must be that one). */
    public static CacheLabels folders(ImageClassFolders folders) {
        return new CacheLabels("folders", folders.classNames(), folders, null);
    }

    /** The texture kind of each image of {@code images.asSource()} (the source to cache must be that one). */
    public static CacheLabels synthetic(SyntheticImages images) {
        return new CacheLabels("synthetic", images.classNames(), images, null);
    }

    /**
     * The integer at {@code key} of each sample's {@code .json}, or, when that has no such key, its {@code .cls} text.
     *
     * @throws IllegalArgumentException if the key is empty
     */
    public static CacheLabels json(String key) {
        if (key.isEmpty()) {
            throw new IllegalArgumentException("--labels json:KEY needs a key, got 'json:'");
        }
        return new CacheLabels("json:" + key, List.of(), null, key);
    }

    /**
     * {@code none}, {@code folders}, {@code synthetic} or {@code json:KEY}, as recorded in the index and fingerprint.
     */
    public String mode() {
        return mode;
    }

    /** The class names (label i is {@code classNames().get(i)}), empty when the labels have no names. */
    public List<String> classNames() {
        return classNames;
    }

    /** Whether samples carry labels. */
    public boolean present() {
        return !mode.equals("none");
    }

    /**
     * Sample {@code index}'s label, or null without labels.
     *
     * @throws IllegalArgumentException if the sample has no label, or it is not a non-negative integer
     */
    Long label(ImageSource source, int index) {
        if (classes != null) {
            return (long) classes.label(index);
        }
        if (key == null) {
            return null;
        }
        String json = source.json(index);
        if (json != null) {
            JsonNode value = parse(source, index, json).path(key);
            if (!value.isMissingNode()) {
                if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < 0) {
                    throw new IllegalArgumentException(source.describe(index) + ": .json key '" + key + "' is " + value
                            + ", not a non-negative integer class label");
                }
                return value.asLong();
            }
        }
        String cls = source.cls(index);
        if (cls == null) {
            throw new IllegalArgumentException(
                    source.describe(index) + " has no label: no key '" + key + "' in its" + " .json and no .cls entry");
        }
        if (!cls.matches("\\d{1,18}")) {
            throw new IllegalArgumentException(
                    source.describe(index) + ": .cls is '" + cls + "', not a non-negative integer class label");
        }
        return Long.parseLong(cls);
    }

    private static JsonNode parse(ImageSource source, int index, String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(source.describe(index) + ": .json is not valid JSON", e);
        }
    }
}
