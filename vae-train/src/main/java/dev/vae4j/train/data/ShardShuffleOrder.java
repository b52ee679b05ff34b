package dev.vae4j.train.data;

import java.util.SplittableRandom;

/**
 * The epoch order of a sharded stream, as WebDataset produces it: the shards are shuffled, their samples are read in
 * order, and the stream passes through a bounded shuffle buffer (fill it with {@code bufferSize} samples, then emit a
 * random buffered sample and put the next incoming one in its place; at the end drain the buffer in random order). Only
 * {@code bufferSize} samples are ever in flight, so a reader needs no random access across the whole dataset, and the
 * order is a pure function of (seed, epoch) for exact resumption. Sample indices run through the shards in shard order.
 */
public final class ShardShuffleOrder implements EpochOrder {
    private final int[] shardSizes;
    private final int bufferSize;

    /**
     * @param shardSizes samples per shard, in index order
     * @param bufferSize shuffle buffer capacity in samples (1 = shard shuffle only)
     */
    public ShardShuffleOrder(int[] shardSizes, int bufferSize) {
        if (bufferSize <= 0) {
            throw new IllegalArgumentException("shuffle buffer size must be positive, got " + bufferSize);
        }
        this.shardSizes = shardSizes.clone();
        this.bufferSize = bufferSize;
    }

    @Override
    public int[] order(int size, long seed, long epoch) {
        int[] starts = new int[shardSizes.length];
        int total = 0;
        for (int s = 0; s < shardSizes.length; s++) {
            starts[s] = total;
            total += shardSizes[s];
        }
        if (total != size) {
            throw new IllegalArgumentException("shards hold " + total + " samples but the dataset has " + size);
        }
        SplittableRandom random = new SplittableRandom(seed * 0x2545F4914F6CDD1DL + epoch);
        int[] shardOrder = EpochOrder.identity(shardSizes.length);
        EpochOrder.shuffle(shardOrder, 0, shardOrder.length, random);
        int[] buffer = new int[Math.min(bufferSize, Math.max(1, size))];
        int buffered = 0;
        int[] out = new int[size];
        int emitted = 0;
        for (int shard : shardOrder) {
            for (int i = starts[shard]; i < starts[shard] + shardSizes[shard]; i++) {
                if (buffered < buffer.length) {
                    buffer[buffered++] = i;
                } else {
                    int k = random.nextInt(buffered);
                    out[emitted++] = buffer[k];
                    buffer[k] = i;
                }
            }
        }
        EpochOrder.shuffle(buffer, 0, buffered, random);
        System.arraycopy(buffer, 0, out, emitted, buffered);
        return out;
    }
}
