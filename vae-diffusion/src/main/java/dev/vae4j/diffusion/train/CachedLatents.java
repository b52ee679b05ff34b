package dev.vae4j.diffusion.train;

import static org.bytedeco.pytorch.global.torch.cat;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.cache.LatentDataset;
import java.util.List;
import java.util.Objects;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Training latents from a latent cache ({@code vae encode --output DIR}, a {@link LatentDataset}): the posterior mean
 * or a posterior sample of each cached image, normalised by a {@link LatentNorm}, with the cache's labels. The sample
 * at global position g of index i is drawn in epoch {@code g / size()} (the cache seeds its posterior noise and flips
 * by (seed, epoch, index)).
 */
public final class CachedLatents implements LatentSource {
    private final LatentDataset cache;
    private final LatentNorm norm;
    private final LatentDataset.Mode mode;
    private final long seed;
    private final long[] shape;
    private final boolean labelled;
    private final Tensor mean;
    private final Tensor std;

    /**
     * Training latents from {@code cache}.
     *
     * @param norm the normalisation of the cached latents
     * @param mode the posterior mean or a sample of it
     * @param seed the seed of posterior noise and flips
     * @throws IllegalArgumentException for {@link LatentNorm#CHANNEL_STATS} on a cache whose index has no per-channel
     *     statistics, or an empty cache
     */
    public CachedLatents(LatentDataset cache, LatentNorm norm, LatentDataset.Mode mode, long seed) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.norm = Objects.requireNonNull(norm, "norm");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.seed = seed;
        if (cache.size() == 0) {
            throw new IllegalArgumentException("the latent cache holds no samples");
        }
        if (norm == LatentNorm.CHANNEL_STATS && (cache.channelMean() == null || cache.channelStd() == null)) {
            throw new IllegalArgumentException(
                    "latent_norm channel_stats needs the per-channel statistics of the cache,"
                            + " but its index has no channel_mean/channel_std (encode it again with this version)");
        }
        long[] sizes;
        try (TensorScope scope = new TensorScope()) {
            sizes = cache.batch(new int[] {0}, seed, 0, LatentDataset.Mode.MEAN)
                    .latents()
                    .sizes()
                    .vec()
                    .get();
        }
        this.shape = new long[] {sizes[1], sizes[2], sizes[3]};
        this.labelled = cache.labels() != null;
        this.mean = norm == LatentNorm.CHANNEL_STATS ? owned(channelColumn(cache.channelMean())) : null;
        this.std = norm == LatentNorm.CHANNEL_STATS ? owned(channelColumn(cache.channelStd())) : null;
    }

    @Override
    public int size() {
        return cache.size();
    }

    @Override
    public long[] latentShape() {
        return shape.clone();
    }

    @Override
    public long[] labels() {
        return cache.labels();
    }

    @Override
    public List<String> classNames() {
        return cache.classNames();
    }

    /** The normalisation applied. */
    public LatentNorm norm() {
        return norm;
    }

    /**
     * Training latents (N, C, h, w) float32 mapped back to the cache's space: {@code x * std_c + mean_c} for
     * {@link LatentNorm#CHANNEL_STATS}, {@code x} itself otherwise.
     */
    public Tensor toCacheSpace(Tensor latents) {
        return norm == LatentNorm.CHANNEL_STATS
                ? latents.mul(std.to(latents.device(), ScalarType.Float))
                        .add(mean.to(latents.device(), ScalarType.Float))
                : latents;
    }

    @Override
    public Batch load(int[] indices, long[] positions, String device) {
        TensorVector rows = new TensorVector();
        TensorVector labels = new TensorVector();
        for (int j = 0; j < indices.length; j++) {
            LatentDataset.Batch one = cache.batch(new int[] {indices[j]}, seed, positions[j] / cache.size(), mode);
            rows.push_back(one.latents());
            if (labelled) {
                labels.push_back(one.labels());
            }
        }
        Tensor latents = cat(rows).to(ScalarType.Float);
        if (norm == LatentNorm.CHANNEL_STATS) {
            latents = latents.sub(mean).div(std);
        }
        Device target = new Device(device);
        return new Batch(
                latents.to(target, ScalarType.Float), labelled ? cat(labels).to(target, ScalarType.Long) : null);
    }

    /** Per-channel values (C) as a float32 column (1, C, 1, 1) that broadcasts over latents (N, C, h, w). */
    static Tensor channelColumn(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return torch.tensor(floats).view(1, values.length, 1, 1);
    }

    /** Takes {@code t} out of the caller's scope: it lives as long as this object. */
    private static Tensor owned(Tensor t) {
        t.retainReference();
        PointerScope inner = PointerScope.getInnerScope();
        if (inner != null) {
            inner.detach(t);
        }
        return t;
    }
}
