package dev.vae4j.recipes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.core.io.ExifOrientation;
import dev.vae4j.train.cache.InputList;
import dev.vae4j.train.data.ImageFiles;
import dev.vae4j.train.data.ShardPattern;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a training run trains on, recorded in its folder ({@value #FILE_NAME}) when it starts and compared when it is
 * resumed, before the run folder is written: the data source, the ordered input list (an image folder's relative paths,
 * sizes and modification times; tar shards' paths, sizes and times; the synthetic set's size and seed), the training
 * resolution and the EXIF orientation mode. A resume whose data changed on disk, or that overrides the resolution, is
 * refused naming the first difference.
 *
 * @param data the data source (absolute path or pattern, or {@code synthetic})
 * @param imageSize the training resolution, px
 * @param exifOrientation the EXIF orientation mode images were read with ({@code ignore} or {@code apply})
 * @param inputs the ordered inputs
 */
public record RunFingerprint(String data, int imageSize, String exifOrientation, InputList inputs) {
    /** The fingerprint's file name in a run folder. */
    public static final String FILE_NAME = "fingerprint.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The fingerprint of a run of {@code recipe} on {@code source} (null: the synthetic images). */
    public static RunFingerprint of(Recipe recipe, Path source) {
        String mode = ExifOrientation.current().name().toLowerCase(Locale.ROOT);
        int size = recipe.data().imageSize();
        if (source == null) {
            String set = "synthetic " + recipe.data().syntheticCount() + " seed "
                    + recipe.train().seed();
            return new RunFingerprint("synthetic", size, mode, InputList.of(List.of(set)));
        }
        if (ShardPattern.isShardPattern(source.toString())) {
            List<String> lines = new ArrayList<>();
            for (Path shard : ShardPattern.existing(source.toString())) {
                lines.add(shard + "\t" + size(shard) + "\t" + modified(shard));
            }
            return new RunFingerprint(source.toString(), size, mode, InputList.of(lines));
        }
        return new RunFingerprint(source.toString(), size, mode, InputList.of(new ImageFiles(source)));
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new FileAccessException("cannot read the size of " + file, e);
        }
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new FileAccessException("cannot read the modification time of " + file, e);
        }
    }

    /** The first item in which {@code now} differs from this recorded fingerprint, as one phrase; null if none. */
    public String difference(RunFingerprint now) {
        if (!data.equals(now.data)) {
            return "data source differs (" + data + " recorded, " + now.data + " now)";
        }
        if (imageSize != now.imageSize) {
            return "image size differs (" + imageSize + " recorded, " + now.imageSize + " now)";
        }
        if (!exifOrientation.equals(now.exifOrientation)) {
            return "EXIF orientation differs (" + exifOrientation + " recorded, " + now.exifOrientation + " now)";
        }
        return inputs.difference(now.inputs);
    }

    /**
     * On {@code resume}, refuses a run folder whose recorded fingerprint differs from {@code this}; otherwise (or when
     * a run recorded none) records {@code this}.
     *
     * @throws IllegalArgumentException naming the first differing item
     */
    public void checkOrRecord(Path runDir, boolean resume) {
        RunFingerprint recorded = resume ? read(runDir) : null;
        String difference = recorded == null ? null : recorded.difference(this);
        if (difference != null) {
            throw new IllegalArgumentException("the run in " + runDir + " trained on other data: " + difference
                    + "; resume with the same data and image size, or start a new run");
        }
        if (recorded == null) {
            ObjectNode node = JSON.createObjectNode();
            node.put("data", data);
            node.put("image_size", imageSize);
            node.put("exif_orientation", exifOrientation);
            ObjectNode list = node.putObject("inputs");
            list.put("count", inputs.lines().size());
            list.put("sha256", inputs.sha256());
            ArrayNode lines = list.putArray("list");
            inputs.lines().forEach(lines::add);
            AtomicFiles.write(
                    runDir.resolve(FILE_NAME),
                    out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, node));
        }
    }

    /** The fingerprint recorded in {@code runDir}, or null when it has none (a run of an earlier version). */
    static RunFingerprint read(Path runDir) {
        Path file = runDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            List<String> lines = new ArrayList<>();
            node.get("inputs").get("list").forEach(l -> lines.add(l.asText()));
            return new RunFingerprint(
                    node.get("data").asText(),
                    node.get("image_size").asInt(),
                    node.get("exif_orientation").asText(),
                    new InputList(lines, node.get("inputs").get("sha256").asText()));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a run fingerprint (" + e.getMessage() + ")", e);
        }
    }
}
