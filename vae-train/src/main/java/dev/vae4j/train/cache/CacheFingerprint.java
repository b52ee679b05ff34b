package dev.vae4j.train.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.core.io.ExifOrientation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What produced a latent cache, recorded in its folder ({@value #FILE_NAME}) before the first shard is written and
 * checked before anything else is written into it, so one folder never holds latents of two models, two input lists or
 * two crop settings.
 *
 * @param modelWeights SHA-256 of the model's weight files ({@link ModelWeightsDigest}), or null when not known
 * @param modelConfig the model's config.json as written by {@code ModelConfig.toJson()}, or null when not known
 * @param resolution square crop side, px (the bucket area is its square)
 * @param buckets the aspect buckets as {@code WxH}, empty for square crops
 * @param flip whether mirrored crops are cached too
 * @param shardSize input samples per shard
 * @param latentChannels the model's latent channels
 * @param downsamplingFactor the model's spatial downsampling factor
 * @param scalingFactor the model's latent scaling factor
 * @param shiftFactor the model's latent shift factor
 * @param exifOrientation how images were read ({@code ignore} or {@code apply}, see {@link ExifOrientation})
 * @param labels the label mode ({@link CacheLabels#mode()}: {@code none} for fingerprints recorded before labels)
 * @param classNames the class names of the labels, empty when they have none
 * @param inputs the ordered inputs
 */
public record CacheFingerprint(
        String modelWeights,
        String modelConfig,
        int resolution,
        List<String> buckets,
        boolean flip,
        int shardSize,
        int latentChannels,
        int downsamplingFactor,
        double scalingFactor,
        double shiftFactor,
        String exifOrientation,
        String labels,
        List<String> classNames,
        InputList inputs) {
    /** The fingerprint's file name in a cache folder. */
    public static final String FILE_NAME = "fingerprint.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Copies the bucket list. */
    public CacheFingerprint {
        buckets = List.copyOf(buckets);
        classNames = List.copyOf(classNames);
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(inputs, "inputs");
    }

    /**
     * The first item in which {@code now} differs from this recorded fingerprint, as one phrase naming the item and
     * both values (e.g. {@code "resolution differs (16 recorded, 32 now)"}); null when nothing differs.
     */
    public String difference(CacheFingerprint now) {
        if (!Objects.equals(modelWeights, now.modelWeights)) {
            return "model weights differ (sha256 " + shortDigest(modelWeights) + " recorded, "
                    + shortDigest(now.modelWeights) + " now)";
        }
        if (!Objects.equals(tree(modelConfig), tree(now.modelConfig))) {
            return "model config differs (" + SettingsDifferences.between(modelConfig, now.modelConfig) + ")";
        }
        List<String> found = new ArrayList<>();
        compare(found, "resolution", resolution, now.resolution);
        compare(found, "buckets", buckets, now.buckets);
        compare(found, "flip", flip, now.flip);
        compare(found, "shard size", shardSize, now.shardSize);
        compare(found, "latent channels", latentChannels, now.latentChannels);
        compare(found, "downsampling factor", downsamplingFactor, now.downsamplingFactor);
        compare(
                found,
                "normalisation (scaling factor, shift factor)",
                List.of(scalingFactor, shiftFactor),
                List.of(now.scalingFactor, now.shiftFactor));
        compare(found, "EXIF orientation", exifOrientation, now.exifOrientation);
        compare(found, "label mode", labels, now.labels);
        compare(found, "class names", classNames, now.classNames);
        if (!found.isEmpty()) {
            return found.get(0);
        }
        return inputs.difference(now.inputs);
    }

    private static void compare(List<String> found, String item, Object recorded, Object now) {
        if (!recorded.equals(now)) {
            found.add(String.format(Locale.ROOT, "%s differs (%s recorded, %s now)", item, recorded, now));
        }
    }

    private static String shortDigest(String digest) {
        return digest == null ? "unknown" : digest.substring(0, Math.min(12, digest.length())) + "..";
    }

    private static JsonNode tree(String json) {
        try {
            return json == null ? null : JSON.readTree(json);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(json);
        }
    }

    /** The fingerprint as JSON (the input list in full, with its count and digest). */
    public ObjectNode toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("format", LatentShards.FORMAT);
        node.put("model_weights_sha256", modelWeights);
        node.set("model", tree(modelConfig));
        node.put("resolution", resolution);
        ArrayNode bucketList = node.putArray("buckets");
        buckets.forEach(bucketList::add);
        node.put("flip", flip);
        node.put("shard_size", shardSize);
        node.put("latent_channels", latentChannels);
        node.put("downsampling_factor", downsamplingFactor);
        node.put("scaling_factor", scalingFactor);
        node.put("shift_factor", shiftFactor);
        node.put("exif_orientation", exifOrientation);
        node.put("labels", labels);
        ArrayNode classList = node.putArray("classes");
        classNames.forEach(classList::add);
        ObjectNode list = node.putObject("inputs");
        list.put("count", inputs.lines().size());
        list.put("sha256", inputs.sha256());
        ArrayNode lines = list.putArray("list");
        inputs.lines().forEach(lines::add);
        return node;
    }

    /** Writes the fingerprint to {@code folder/}{@value #FILE_NAME} atomically. */
    public void write(Path folder) {
        AtomicFiles.write(
                folder.resolve(FILE_NAME),
                out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, toJson()));
    }

    /**
     * The fingerprint recorded in {@code folder}, or null when it has none.
     *
     * @throws LatentCacheFormatException if the file is not a fingerprint
     */
    public static CacheFingerprint read(Path folder) {
        Path file = folder.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            List<String> buckets = new ArrayList<>();
            node.get("buckets").forEach(b -> buckets.add(b.asText()));
            List<String> classNames = new ArrayList<>();
            node.path("classes").forEach(c -> classNames.add(c.asText()));
            List<String> lines = new ArrayList<>();
            node.get("inputs").get("list").forEach(l -> lines.add(l.asText()));
            JsonNode model = node.get("model");
            return new CacheFingerprint(
                    node.get("model_weights_sha256").isNull()
                            ? null
                            : node.get("model_weights_sha256").asText(),
                    model == null || model.isNull() ? null : model.toString(),
                    node.get("resolution").asInt(),
                    buckets,
                    node.get("flip").asBoolean(),
                    node.get("shard_size").asInt(),
                    node.get("latent_channels").asInt(),
                    node.get("downsampling_factor").asInt(),
                    node.get("scaling_factor").asDouble(),
                    node.get("shift_factor").asDouble(),
                    node.get("exif_orientation").asText(),
                    node.path("labels").asText("none"),
                    classNames,
                    new InputList(lines, node.get("inputs").get("sha256").asText()));
        } catch (IOException | RuntimeException e) {
            throw new LatentCacheFormatException(file, "not a cache fingerprint (" + e.getMessage() + ")", e);
        }
    }
}
