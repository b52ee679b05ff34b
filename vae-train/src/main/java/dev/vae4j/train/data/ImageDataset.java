package dev.vae4j.train.data;

import java.util.SplittableRandom;

/**
 * A finite, indexable set of training images, each returned at the training resolution in [-1, 1]. Random augmentations
 * draw from the given generator only, so a sample is a pure function of (index, generator seed) and runs resume
 * exactly.
 */
public interface ImageDataset {
    /** Number of images. */
    int size();

    /**
     * Image {@code index} after augmentation.
     *
     * @throws dev.vae4j.core.io.ImageReadException if the underlying file cannot be decoded
     */
    ImageArray get(int index, SplittableRandom random);

    /** A human-readable name of image {@code index} (its file name) for warnings. */
    String describe(int index);

    /**
     * The order in which training visits the images each epoch (default: a full shuffle per epoch).
     *
     * @param globalBatch images per optimizer micro-step over all ranks (batch size x world size), for orders that keep
     *     a global batch homogeneous (aspect buckets)
     */
    default EpochOrder trainingOrder(int globalBatch) {
        return EpochOrder.shuffled();
    }
}
