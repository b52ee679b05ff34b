package dev.vae4j.train.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An epoch order for aspect-bucket training: every run of {@code globalBatch} consecutive positions (one optimizer
 * micro-step over all ranks) holds images of a single bucket. The images are visited in an inner order (a full shuffle,
 * or the WebDataset shard order), split by bucket keeping that order, cut into chunks of {@code globalBatch} (each
 * bucket's incomplete last chunk is left out this epoch; the inner order changes every epoch, so other images are left
 * out next time), and the chunks are shuffled. With rank r of W taking positions r, r + W, ... and batches of B =
 * globalBatch / W, every rank's batch comes from the same chunk, so all batches of a step share one shape.
 */
public final class BucketBatchOrder implements EpochOrder {
    private final EpochOrder inner;
    private final int[] bucketOf;
    private final int globalBatch;
    private final int length;

    /**
     * @param inner the visiting order before bucketing
     * @param bucketOf bucket number of every index
     * @param globalBatch positions per homogeneous chunk
     * @throws IllegalArgumentException if no bucket holds {@code globalBatch} images
     */
    public BucketBatchOrder(EpochOrder inner, int[] bucketOf, int globalBatch) {
        if (globalBatch <= 0) {
            throw new IllegalArgumentException("global batch must be positive, got " + globalBatch);
        }
        this.inner = inner;
        this.bucketOf = bucketOf.clone();
        this.globalBatch = globalBatch;
        int buckets = 0;
        for (int b : bucketOf) {
            buckets = Math.max(buckets, b + 1);
        }
        int[] counts = new int[buckets];
        for (int b : bucketOf) {
            counts[b]++;
        }
        int total = 0;
        for (int count : counts) {
            total += count / globalBatch * globalBatch;
        }
        if (total == 0) {
            throw new IllegalArgumentException("no aspect bucket holds a full global batch of " + globalBatch
                    + " images (" + bucketOf.length + " images in " + buckets + " buckets); use fewer buckets or a"
                    + " smaller batch");
        }
        this.length = total;
    }

    @Override
    public int epochLength(int size) {
        return length;
    }

    @Override
    public int[] order(int size, long seed, long epoch) {
        if (size != bucketOf.length) {
            throw new IllegalArgumentException("bucket order for " + bucketOf.length + " images used on " + size);
        }
        List<List<Integer>> open = new ArrayList<>();
        List<int[]> chunks = new ArrayList<>();
        for (int index : inner.order(size, seed, epoch)) {
            int b = bucketOf[index];
            while (open.size() <= b) {
                open.add(new ArrayList<>());
            }
            List<Integer> chunk = open.get(b);
            chunk.add(index);
            if (chunk.size() == globalBatch) {
                chunks.add(chunk.stream().mapToInt(Integer::intValue).toArray());
                chunk.clear();
            }
        }
        int[] chunkOrder = EpochOrder.identity(chunks.size());
        EpochOrder.shuffle(chunkOrder, 0, chunkOrder.length, new SplittableRandom(seed * 0x632BE59BD9B4E019L + epoch));
        int[] out = new int[length];
        int at = 0;
        for (int c : chunkOrder) {
            System.arraycopy(chunks.get(c), 0, out, at, globalBatch);
            at += globalBatch;
        }
        return out;
    }
}
