package dev.vae4j.train.cache;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.SafetensorsFormatException;
import dev.vae4j.core.io.SafetensorsReader;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fixed layout of a latent cache folder: input sample {@code i} goes to shard {@code i / shardSize}, shard
 * {@code j} is the file {@code latents-%06d.safetensors} and belongs to rank {@code j % worldSize}, so any number of
 * ranks write disjoint shards whose union is what one process writes. A shard is complete when its file parses; a
 * killed writer leaves only hidden temporary files beside it.
 */
final class LatentShards {
    private static final Logger LOG = LoggerFactory.getLogger(LatentShards.class);
    /** The index file of a cache folder. */
    public static final String INDEX = "index.json";
    /** The {@code format} metadata value of shards and index. */
    public static final String FORMAT = "vae4j-latent-cache/1";

    private LatentShards() {}

    /** Number of shards for {@code inputs} samples. */
    public static int count(int inputs, int shardSize) {
        return (int) ((inputs + (long) shardSize - 1) / shardSize);
    }

    /** The file name of shard {@code j}. */
    public static String fileName(int j) {
        return String.format("latents-%06d.safetensors", j);
    }

    /** The path of shard {@code j} in {@code folder}. */
    public static Path file(Path folder, int j) {
        return folder.resolve(fileName(j));
    }

    /** The shard number of a shard file name ({@link #isShardName}). */
    public static int shardNumber(String name) {
        return Integer.parseInt(name.substring("latents-".length(), "latents-".length() + 6));
    }

    /** The first input index of shard {@code j}. */
    static int start(int j, int shardSize) {
        return j * shardSize;
    }

    /** One past the last input index of shard {@code j} of {@code inputs} inputs. */
    static int end(int j, int shardSize, int inputs) {
        return Math.min(inputs, (j + 1) * shardSize);
    }

    /**
     * Whether a shard file exists and parses (else it is redone).
     *
     * @throws IllegalArgumentException if it was written with other settings (inputs, crop, model)
     */
    static boolean isComplete(Path file, String settings) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        String written;
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            written = reader.metadata().get("cache");
        } catch (SafetensorsFormatException | FileAccessException e) {
            LOG.warn("redoing shard {}: {}", file, e.getMessage());
            return false;
        }
        if (!settings.equals(written)) {
            throw new IllegalArgumentException(
                    file + " was written with other settings (" + SettingsDifferences.between(written, settings)
                            + "); resume with the same inputs, model and options, or use another folder");
        }
        return true;
    }

    static void removeTempFiles(Path file) {
        String prefix = "." + file.getFileName() + ".";
        try (DirectoryStream<Path> files = Files.newDirectoryStream(file.getParent(), prefix + "*.tmp")) {
            for (Path temp : files) {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new FileAccessException("cannot clean temporary files of " + file, e);
        }
    }

    /** Whether {@code name} is a shard file name. */
    public static boolean isShardName(String name) {
        return name.matches("latents-\\d{6}\\.safetensors");
    }
}
