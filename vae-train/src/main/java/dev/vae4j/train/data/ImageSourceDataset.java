package dev.vae4j.train.data;

import dev.vae4j.core.io.ImageTensors;
import java.util.SplittableRandom;

/**
 * Training images from any {@link ImageSource} (an image folder or tar shards), converted to RGB and brought to the
 * training resolution by an {@link Augmentation}, visited in the source's {@link EpochOrder} (for shards a shard
 * shuffle plus a bounded shuffle buffer, see {@link ShardShuffleOrder}).
 */
public final class ImageSourceDataset implements ImageDataset {
    private final ImageSource source;
    private final int from;
    private final int to;
    private final Augmentation augmentation;
    private final EpochOrder order;

    /**
     * @param source the images
     * @param from first sample of the source (inclusive)
     * @param to last sample of the source (exclusive); dataset index i is source sample {@code from + i}
     * @param augmentation resize, crop and flip to the training resolution
     * @param order the training order of each epoch
     */
    public ImageSourceDataset(ImageSource source, int from, int to, Augmentation augmentation, EpochOrder order) {
        if (from < 0 || to > source.size() || from >= to) {
            throw new IllegalArgumentException("sample range [" + from + ", " + to + ") is empty or outside the "
                    + source.size() + " samples of the source");
        }
        this.source = source;
        this.from = from;
        this.to = to;
        this.augmentation = augmentation;
        this.order = order;
    }

    /**
     * The first {@code count} samples of tar shards in WebDataset order: shards shuffled, then a shuffle buffer of
     * {@code bufferSize} samples.
     */
    public static ImageSourceDataset shards(
            WebDatasetShards shards, Augmentation augmentation, int bufferSize, int count) {
        int[] sizes = shards.shardSizes();
        int left = count;
        for (int s = 0; s < sizes.length; s++) {
            sizes[s] = Math.min(sizes[s], left);
            left -= sizes[s];
        }
        return new ImageSourceDataset(shards, 0, count, augmentation, new ShardShuffleOrder(sizes, bufferSize));
    }

    @Override
    public int size() {
        return to - from;
    }

    @Override
    public ImageArray get(int index, SplittableRandom random) {
        int size = augmentation.size();
        return new ImageArray(
                3, size, size, ImageTensors.pixels(augmentation.apply(source.read(from + index), random), 3));
    }

    @Override
    public String describe(int index) {
        return source.describe(from + index);
    }

    @Override
    public EpochOrder trainingOrder(int globalBatch) {
        return order;
    }
}
