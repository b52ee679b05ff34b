package dev.vae4j.eval;

import dev.vae4j.eval.fid.FidInceptionV3;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.metrics.FeatureStatistics;
import dev.vae4j.train.metrics.FrechetDistance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Streaming rFID: pool3 features of the originals and of the reconstructions (both (N, 3, H, W) in [-1, 1]) folded into
 * {@link FeatureStatistics} batch by batch; the originals' statistics come from a cache file instead when one matching
 * the run exists, and are written to it otherwise. Memory is O(2048^2) whatever the number of images. Generation FID
 * uses the same machinery with reference images and generated ones in numbers of their own ({@link #addReference},
 * {@link #addCandidates}).
 */
final class RfidAccumulator implements AutoCloseable {
    private final FidInceptionV3 inception;
    private final Path cache;
    private final Map<String, String> cacheKey;
    private final boolean writesCache;
    private final Tensor[] cachedReference;
    private final FeatureStatistics reference = new FeatureStatistics(FidInceptionV3.DIMENSION);
    private final FeatureStatistics reconstructions = new FeatureStatistics(FidInceptionV3.DIMENSION);

    /**
     * @param inception the FID network
     * @param cache reference-statistics file, or null for none
     * @param cacheKey what the reference statistics summarise (data folder, size, crop, image count); a cache whose
     *     metadata differs is refused
     * @param writesCache whether {@link #distance()} writes an absent cache (one process of a distributed run)
     * @throws IllegalArgumentException if {@code cache} exists but was computed for other data
     */
    public RfidAccumulator(FidInceptionV3 inception, Path cache, Map<String, String> cacheKey, boolean writesCache) {
        this.inception = inception;
        this.writesCache = writesCache;
        this.cache = cache;
        this.cacheKey = Map.copyOf(cacheKey);
        if (cache != null && Files.exists(cache)) {
            Map<String, String> meta = FeatureStatistics.metadata(cache);
            for (Map.Entry<String, String> e : this.cacheKey.entrySet()) {
                if (!e.getValue().equals(meta.get(e.getKey()))) {
                    throw new IllegalArgumentException("reference statistics " + cache + " were computed with "
                            + e.getKey() + "=" + meta.get(e.getKey()) + ", this run has " + e.getKey() + "="
                            + e.getValue() + "; delete the file or choose another --reference-stats");
                }
            }
            Tensor[] loaded = FeatureStatistics.load(cache);
            cachedReference = new Tensor[] {loaded[0].retainReference(), loaded[1].retainReference()};
        } else {
            cachedReference = null;
        }
    }

    /** Whether the originals' statistics came from the cache. */
    public boolean referenceFromCache() {
        return cachedReference != null;
    }

    /** Adds a batch; call inside the batch's tensor scope. */
    public void add(Tensor originals, Tensor reconstructed) {
        addReference(originals);
        addCandidates(reconstructed);
    }

    /** Adds reference images (skipped when the reference statistics came from the cache). */
    public void addReference(Tensor images) {
        if (cachedReference == null) {
            reference.add(inception.features(images));
        }
    }

    /** Adds images compared with the reference (reconstructions or generated images). */
    public void addCandidates(Tensor images) {
        reconstructions.add(inception.features(images));
    }

    /** Sums the statistics over all ranks in place (each rank having added its share of the images). */
    public void allReduce(Collectives collectives) {
        if (cachedReference == null) {
            reference.allReduce(collectives);
        }
        reconstructions.allReduce(collectives);
    }

    /** Compared images added so far. */
    public long count() {
        return reconstructions.count();
    }

    /** The Frechet distance between originals and reconstructions; writes the cache when it was absent. */
    public double distance() {
        Tensor mu1 = cachedReference != null ? cachedReference[0] : reference.mean();
        Tensor sigma1 = cachedReference != null ? cachedReference[1] : reference.covariance();
        if (cache != null && cachedReference == null && writesCache) {
            reference.save(cache, cacheKey);
        }
        return FrechetDistance.of(mu1, sigma1, reconstructions.mean(), reconstructions.covariance());
    }

    /** Releases the statistics. */
    @Override
    public void close() {
        reference.close();
        reconstructions.close();
        if (cachedReference != null) {
            cachedReference[0].releaseReference();
            cachedReference[1].releaseReference();
        }
    }
}
