package dev.vae4j.core.data;

import java.util.SplittableRandom;

/**
 * The order in which one rank visits a dataset, epoch by epoch, like PyTorch's {@code DistributedSampler} with
 * {@code drop_last}: every epoch the indices 0..n-1 are shuffled with a generator seeded by (seed, epoch) (or kept
 * in order), cut to a multiple of the world size, and rank r takes positions r, r + W, r + 2W, ... Ranks therefore
 * see disjoint images, and the order is a pure function of (seed, epoch, rank, world size).
 */
public final class ShardedSampler {
    private final int datasetSize;
    private final int rank;
    private final int worldSize;
    private final long seed;
    private final boolean shuffle;

    /**
     * @param datasetSize images in the dataset
     * @param rank this process's rank in [0, worldSize)
     * @param worldSize number of processes
     * @param seed shuffle seed
     * @param shuffle reshuffle every epoch (training) or keep index order (validation)
     */
    public ShardedSampler(int datasetSize, int rank, int worldSize, long seed, boolean shuffle) {
        if (worldSize <= 0 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is outside world size " + worldSize);
        }
        if (datasetSize < worldSize) {
            throw new IllegalArgumentException("dataset of " + datasetSize + " images cannot be split over "
                    + worldSize + " ranks");
        }
        this.datasetSize = datasetSize;
        this.rank = rank;
        this.worldSize = worldSize;
        this.seed = seed;
        this.shuffle = shuffle;
    }

    /** A single-process sampler. */
    public static ShardedSampler single(int datasetSize, long seed, boolean shuffle) {
        return new ShardedSampler(datasetSize, 0, 1, seed, shuffle);
    }

    /** Samples this rank sees per epoch: floor(n / W). */
    public int samplesPerEpoch() {
        return datasetSize / worldSize;
    }

    /** This rank's dataset indices for {@code epoch}, in visiting order. */
    public int[] epoch(long epoch) {
        int[] order = new int[datasetSize];
        for (int i = 0; i < datasetSize; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom random = new SplittableRandom(seed * 0x2545F4914F6CDD1DL + epoch);
            for (int i = datasetSize - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }
        int[] mine = new int[samplesPerEpoch()];
        for (int k = 0; k < mine.length; k++) {
            mine[k] = order[rank + k * worldSize];
        }
        return mine;
    }
}
