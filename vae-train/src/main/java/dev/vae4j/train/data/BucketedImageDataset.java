package dev.vae4j.train.data;

import dev.vae4j.core.io.ImageReadException;
import dev.vae4j.core.io.ImageTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training images in aspect-ratio buckets: every image of a source range goes to the {@link AspectBuckets} bucket
 * nearest its aspect ratio (sizes read from the headers when the dataset is built; images whose header cannot be read
 * are left out with a warning) and is augmented to that bucket's shape ({@link Augmentation} with a rectangular crop).
 * Training visits it with a {@link BucketBatchOrder}, so each step's batches share one shape. An image whose header
 * reads but whose pixels do not decode is replaced by the loader with the next image of the epoch order, which may
 * belong to another bucket: the batch then fails with an error naming both shapes.
 */
public final class BucketedImageDataset implements ImageDataset {
    private static final Logger LOG = LoggerFactory.getLogger(BucketedImageDataset.class);

    private final ImageSource source;
    private final int[] sampleOf;
    private final int[] bucketOf;
    private final List<AspectBuckets.Bucket> shapes;
    private final Augmentation augmentation;
    private final EpochOrder inner;
    private final int rangeSize;
    private final int[] indexOf;

    /**
     * @param source the images
     * @param from first sample of the source (inclusive)
     * @param to last sample (exclusive)
     * @param buckets the bucket shapes
     * @param augmentation rescale, crop and flip settings (its square size is not used)
     * @param inner the visiting order before bucketing, over the {@code to - from} samples of the range (e.g.
     *     {@link EpochOrder#shuffled()} or a {@link ShardShuffleOrder}); left-out images are skipped in it
     */
    public BucketedImageDataset(
            ImageSource source, int from, int to, AspectBuckets buckets, Augmentation augmentation, EpochOrder inner) {
        List<Integer> samples = new ArrayList<>();
        List<Integer> bucketIndex = new ArrayList<>();
        this.shapes = buckets.buckets();
        this.rangeSize = to - from;
        this.indexOf = new int[rangeSize];
        for (int i = from; i < to; i++) {
            indexOf[i - from] = -1;
            try {
                ImageTensors.Size size = source.dimensions(i);
                bucketIndex.add(shapes.indexOf(buckets.nearest(size.width(), size.height())));
                indexOf[i - from] = samples.size();
                samples.add(i);
            } catch (ImageReadException e) {
                LOG.warn("leaving out unreadable image {}: {}", source.describe(i), e.getMessage());
            }
        }
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no readable image in samples [" + from + ", " + to + ")");
        }
        this.source = source;
        this.sampleOf = samples.stream().mapToInt(Integer::intValue).toArray();
        this.bucketOf = bucketIndex.stream().mapToInt(Integer::intValue).toArray();
        this.augmentation = augmentation;
        this.inner = inner;
    }

    @Override
    public int size() {
        return sampleOf.length;
    }

    /** The bucket shape of image {@code index}. */
    public AspectBuckets.Bucket bucket(int index) {
        return shapes.get(bucketOf[index]);
    }

    @Override
    public ImageArray get(int index, SplittableRandom random) {
        AspectBuckets.Bucket shape = bucket(index);
        return new ImageArray(
                3,
                shape.height(),
                shape.width(),
                ImageTensors.pixels(
                        augmentation.apply(source.read(sampleOf[index]), shape.width(), shape.height(), random), 3));
    }

    @Override
    public String describe(int index) {
        return source.describe(sampleOf[index]);
    }

    @Override
    public EpochOrder trainingOrder(int globalBatch) {
        EpochOrder readable = (size, seed, epoch) -> java.util.Arrays.stream(inner.order(rangeSize, seed, epoch))
                .map(i -> indexOf[i])
                .filter(i -> i >= 0)
                .toArray();
        return new BucketBatchOrder(readable, bucketOf, globalBatch);
    }
}
