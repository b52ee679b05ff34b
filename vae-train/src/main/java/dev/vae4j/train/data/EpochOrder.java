package dev.vae4j.train.data;

import java.util.SplittableRandom;

/**
 * The order in which one epoch visits a dataset's indices: a pure function of (seed, epoch), so a run resumed at any
 * global position continues identically. {@link ShardedSampler} maps global stream positions through it.
 */
@FunctionalInterface
public interface EpochOrder {
    /**
     * The visiting order of {@code epoch}.
     *
     * @param size number of indices
     * @param seed the run's shuffle seed
     * @param epoch epoch number, from 0
     * @return {@link #epochLength} distinct indices in [0, size): a permutation of 0..size-1 unless the order leaves
     *     some out
     */
    int[] order(int size, long seed, long epoch);

    /** Positions per epoch for a dataset of {@code size} (an order may leave some indices out). */
    default int epochLength(int size) {
        return size;
    }

    /** Indices in order (validation, evaluation). */
    static EpochOrder sequential() {
        return (size, seed, epoch) -> identity(size);
    }

    /** A uniform shuffle of all indices per epoch (Fisher-Yates with a generator seeded by (seed, epoch)). */
    static EpochOrder shuffled() {
        return (size, seed, epoch) -> {
            int[] order = identity(size);
            shuffle(order, 0, size, new SplittableRandom(seed * 0x2545F4914F6CDD1DL + epoch));
            return order;
        };
    }

    /** 0..size-1. */
    static int[] identity(int size) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        return order;
    }

    /** Fisher-Yates shuffle of {@code values[from, to)} in place. */
    static void shuffle(int[] values, int from, int to, SplittableRandom random) {
        for (int i = to - 1; i > from; i--) {
            int j = from + random.nextInt(i - from + 1);
            int swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
    }
}
