package dev.vae4j.train.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.core.io.SafetensorsFormatException;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code index.json} of a latent cache folder, built from its shards' metadata: the writer's settings
 * ({@code format}, {@code inputs}, {@code resolution}, {@code buckets}, {@code flip}, {@code shard_size},
 * {@code latent_channels}, {@code downsampling_factor}, {@code space}, {@code scaling}, {@code model}) plus
 * {@code count} (samples cached), {@code shapes} (per crop shape {@code WxH}: sample count and latent shape [L, h, w]),
 * {@code shards} (file, samples, input range), {@code skipped} (unreadable inputs and why), and {@code channel_mean} /
 * {@code channel_std}: per latent channel, the mean and Bessel-corrected standard deviation over every stored posterior
 * mean (not the flipped ones) in the cache's normalised space ({@link ChannelStatistics}, float64), what a diffusion
 * trainer normalises latents with as LightningDiT does; with labels also {@code labels} (the mode) and {@code classes}
 * (the class names).
 */
final class LatentCacheIndex {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LatentCacheIndex() {}

    /**
     * Writes {@code folder/index.json} (atomically) if all {@code shards} shard files are present.
     *
     * @param header the writer's settings, copied first
     * @return whether it was written
     */
    static boolean writeIfComplete(Path folder, int shards, ObjectNode header) {
        for (int j = 0; j < shards; j++) {
            if (!Files.isRegularFile(LatentShards.file(folder, j))) {
                return false;
            }
        }
        ObjectNode index = header.deepCopy();
        ArrayNode shardList = JSON.createArrayNode();
        ArrayNode skipped = JSON.createArrayNode();
        Map<String, ObjectNode> shapes = new TreeMap<>();
        long count = 0;
        int factor = header.get("downsampling_factor").asInt();
        int channels = header.get("latent_channels").asInt();
        ChannelStatistics statistics = new ChannelStatistics(channels);
        for (int j = 0; j < shards; j++) {
            Path file = LatentShards.file(folder, j);
            Map<String, String> metadata;
            JsonNode samples;
            try (SafetensorsReader reader = SafetensorsReader.open(file);
                    TensorScope scope = new TensorScope()) {
                metadata = reader.metadata();
                samples = parse(metadata.get("samples"), file);
                for (int i = 0; i < samples.size(); i++) {
                    statistics.add(reader.load(i + ".mean"));
                }
            }
            for (JsonNode sample : samples) {
                int w = sample.get("bucket").get(0).asInt();
                int h = sample.get("bucket").get(1).asInt();
                ObjectNode shape = shapes.computeIfAbsent(w + "x" + h, s -> {
                    ObjectNode node = JSON.createObjectNode();
                    node.put("count", 0);
                    node.putArray("latent_shape").add(channels).add(h / factor).add(w / factor);
                    return node;
                });
                shape.put("count", shape.get("count").asLong() + 1);
            }
            parse(metadata.get("skipped"), file).forEach(skipped::add);
            count += samples.size();
            ObjectNode entry = shardList.addObject();
            entry.put("file", LatentShards.fileName(j));
            entry.put("count", samples.size());
            entry.set("inputs", parse(metadata.get("inputs"), file));
        }
        index.put("count", count);
        ObjectNode shapeNode = index.putObject("shapes");
        shapes.forEach(shapeNode::set);
        index.set("shards", shardList);
        index.set("skipped", skipped);
        ArrayNode means = index.putArray("channel_mean");
        Arrays.stream(statistics.mean()).forEach(means::add);
        ArrayNode stds = index.putArray("channel_std");
        Arrays.stream(statistics.std()).forEach(stds::add);
        write(folder.resolve(LatentShards.INDEX), index);
        return true;
    }

    private static JsonNode parse(String text, Path file) {
        try {
            return JSON.readTree(text == null ? "[]" : text);
        } catch (IOException e) {
            throw new SafetensorsFormatException(file, "unreadable cache metadata (" + e.getMessage() + ")", e);
        }
    }

    private static void write(Path file, JsonNode index) {
        AtomicFiles.write(file, out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, index));
    }
}
