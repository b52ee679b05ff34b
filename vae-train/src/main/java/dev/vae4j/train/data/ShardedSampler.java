package dev.vae4j.train.data;

/**
 * Which images each rank visits, as one global stream shared by all ranks: global position {@code g} (counted from 0
 * over all epochs) is image {@code order(g / n)[g % n]} (n: the epoch length), where every epoch's order comes from an
 * {@link EpochOrder} (by default the indices 0..n-1 shuffled with a generator seeded by (seed, epoch), or kept in
 * order). Starting from global position {@code first}, rank {@code r} of {@code W} takes positions {@code first + r},
 * {@code first + r + W}, ... — so within an epoch the ranks see disjoint images, the {@code W} ranks' batches of
 * {@code B} together are exactly the batch of {@code W * B} a single process would take, and a run resumed at any
 * global position continues identically for any world size.
 */
public final class ShardedSampler {
    private final int datasetSize;
    private final int rank;
    private final int worldSize;
    private final long seed;
    private final EpochOrder epochOrder;
    private final int epochLength;
    private long cachedEpoch = -1;
    private int[] cachedOrder;

    /**
     * @param datasetSize images in the dataset
     * @param rank this process's rank in [0, worldSize)
     * @param worldSize number of processes
     * @param seed shuffle seed
     * @param shuffle reshuffle every epoch (training) or keep index order (validation)
     */
    public ShardedSampler(int datasetSize, int rank, int worldSize, long seed, boolean shuffle) {
        this(datasetSize, rank, worldSize, seed, shuffle ? EpochOrder.shuffled() : EpochOrder.sequential());
    }

    /**
     * @param datasetSize images in the dataset
     * @param rank this process's rank in [0, worldSize)
     * @param worldSize number of processes
     * @param seed shuffle seed
     * @param epochOrder the visiting order of each epoch
     */
    public ShardedSampler(int datasetSize, int rank, int worldSize, long seed, EpochOrder epochOrder) {
        if (worldSize <= 0 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is outside world size " + worldSize);
        }
        if (datasetSize <= 0) {
            throw new IllegalArgumentException("cannot sample an empty dataset");
        }
        this.datasetSize = datasetSize;
        this.rank = rank;
        this.worldSize = worldSize;
        this.seed = seed;
        this.epochOrder = epochOrder;
        this.epochLength = epochOrder.epochLength(datasetSize);
    }

    /** A single-process sampler. */
    public static ShardedSampler single(int datasetSize, long seed, boolean shuffle) {
        return new ShardedSampler(datasetSize, 0, 1, seed, shuffle);
    }

    /** Images in the dataset. */
    public int datasetSize() {
        return datasetSize;
    }

    /** Global positions per epoch (the dataset size unless the epoch order leaves images out). */
    public int epochLength() {
        return epochLength;
    }

    /** The global position of this rank's {@code k}-th sample (k from 0) of a stream starting at {@code first}. */
    public long position(long first, long k) {
        return position(first, rank, worldSize, k);
    }

    /** The global position of rank {@code rank}'s {@code k}-th sample of a stream starting at {@code first}. */
    public static long position(long first, int rank, int worldSize, long k) {
        return first + rank + (long) worldSize * k;
    }

    /** The visiting order of all ranks in {@code epoch}: {@link #epochLength()} indices (shared: do not modify). */
    public synchronized int[] order(long epoch) {
        if (epoch != cachedEpoch) {
            int[] order = epochOrder.order(datasetSize, seed, epoch);
            if (order.length != epochLength) {
                throw new IllegalStateException(
                        "epoch order has " + order.length + " indices, expected " + epochLength);
            }
            cachedOrder = order;
            cachedEpoch = epoch;
        }
        return cachedOrder;
    }
}
