package dev.vae4j.train.cache;

import dev.vae4j.train.data.AspectBuckets;
import java.util.Objects;

/**
 * How images become cached latents.
 *
 * @param resolution side of the square crop in px (and the area of the buckets: resolution²)
 * @param buckets aspect-ratio buckets, or null for square {@code resolution x resolution} centre crops
 * @param shardSize input samples per shard file (the last shard may hold fewer)
 * @param flip also cache the posterior of every crop mirrored horizontally
 * @param batchSize images encoded together (same shape)
 * @param decodeWorkers threads decoding and resizing images ahead of the encoder
 * @param labels where each sample's class label comes from
 */
public record LatentCacheOptions(
        int resolution,
        AspectBuckets buckets,
        int shardSize,
        boolean flip,
        int batchSize,
        int decodeWorkers,
        CacheLabels labels) {
    /** Options without labels. */
    public LatentCacheOptions(
            int resolution, AspectBuckets buckets, int shardSize, boolean flip, int batchSize, int decodeWorkers) {
        this(resolution, buckets, shardSize, flip, batchSize, decodeWorkers, CacheLabels.none());
    }

    /** Validates the ranges. */
    public LatentCacheOptions {
        Objects.requireNonNull(labels, "labels");
        if (resolution <= 0 || shardSize <= 0 || batchSize <= 0 || decodeWorkers <= 0) {
            throw new IllegalArgumentException("resolution, shard size, batch size and decode workers must be"
                    + " positive, got " + resolution + ", " + shardSize + ", " + batchSize + ", " + decodeWorkers);
        }
    }
}
