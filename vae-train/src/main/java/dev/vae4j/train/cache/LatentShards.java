package dev.vae4j.train.cache;

import java.nio.file.Path;

/**
 * The fixed layout of a latent cache folder: input sample {@code i} goes to shard {@code i / shardSize}, shard
 * {@code j} is the file {@code latents-%06d.safetensors} and belongs to rank {@code j % worldSize}, so any number of
 * ranks write disjoint shards whose union is what one process writes.
 */
final class LatentShards {
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

    /** Whether {@code name} is a shard file name. */
    public static boolean isShardName(String name) {
        return name.matches("latents-\\d{6}\\.safetensors");
    }
}
