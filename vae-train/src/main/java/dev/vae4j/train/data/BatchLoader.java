package dev.vae4j.train.data;

import dev.vae4j.core.Vae4jException;
import dev.vae4j.core.io.ImageReadException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes and augments batches on a pool of decoding threads, at most {@code prefetch} batches ahead of the trainer (a
 * bounded queue of pending batches, in order), so the training loop never waits on image decoding. Batches are Java
 * arrays ({@link ImageArray}); the consumer turns them into a tensor inside its own step scope. This rank's k-th sample
 * is the image at global stream position {@code g = sampler.position(first, k)} (see {@link ShardedSampler}), augmented
 * with a generator seeded by (seed, g), so starting at any global position reproduces an uninterrupted run exactly, for
 * any world size. An unreadable image is skipped with one warning per file and replaced by the next image of the epoch
 * order; {@link #skippedFiles()} counts them.
 */
public final class BatchLoader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchLoader.class);
    private static final Object END = new Object();

    private final ImageDataset dataset;
    private final ShardedSampler sampler;
    private final int batchSize;
    private final long seed;
    private final long firstSample;
    private final BlockingQueue<Object> queue;
    private final Set<Integer> badIndices = ConcurrentHashMap.newKeySet();
    private final AtomicLong skipped = new AtomicLong();
    private final Thread worker;
    private final ExecutorService decoders;
    private volatile boolean closed;

    /**
     * @param dataset images
     * @param sampler visiting order of this rank
     * @param batchSize images per batch
     * @param seed augmentation seed
     * @param firstSample the global stream position to start at (the samples all ranks consumed before)
     * @param prefetch batches decoded ahead (>= 1)
     */
    public BatchLoader(
            ImageDataset dataset, ShardedSampler sampler, int batchSize, long seed, long firstSample, int prefetch) {
        this(dataset, sampler, batchSize, seed, firstSample, prefetch, 1);
    }

    /**
     * @param dataset images
     * @param sampler visiting order of this rank
     * @param batchSize images per batch
     * @param seed augmentation seed
     * @param firstSample the global stream position to start at (the samples all ranks consumed before)
     * @param prefetch batches decoded ahead (>= 1)
     * @param workers decoding threads (>= 1); each decodes whole batches, batches are returned in order
     */
    public BatchLoader(
            ImageDataset dataset,
            ShardedSampler sampler,
            int batchSize,
            long seed,
            long firstSample,
            int prefetch,
            int workers) {
        if (batchSize <= 0 || prefetch <= 0 || workers <= 0) {
            throw new IllegalArgumentException("batch size, prefetch and workers must be positive, got " + batchSize
                    + ", " + prefetch + ", " + workers);
        }
        this.dataset = dataset;
        this.sampler = sampler;
        this.batchSize = batchSize;
        this.seed = seed;
        this.queue = new ArrayBlockingQueue<>(prefetch);
        this.firstSample = firstSample;
        this.decoders = Executors.newFixedThreadPool(workers, runnable -> {
            Thread thread = new Thread(runnable, "vae4j-image-decoder");
            thread.setDaemon(true);
            return thread;
        });
        this.worker = new Thread(this::produce, "vae4j-batch-loader");
        worker.setDaemon(true);
        worker.start();
    }

    private void produce() {
        try {
            for (long k = 0; !closed; k += batchSize) {
                long first = k;
                queue.put(CompletableFuture.supplyAsync(() -> batchAt(first), decoders));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            try {
                queue.put(e);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** This rank's batch whose first sample is its {@code k}-th (computed on the calling thread). */
    public List<ImageArray> batchAt(long k) {
        List<ImageArray> images = new ArrayList<>(batchSize);
        int n = sampler.epochLength();
        for (long i = k; i < k + batchSize; i++) {
            long g = sampler.position(firstSample, i);
            images.add(load(sampler.order(g / n), (int) (g % n), new SplittableRandom(seed * 0x9E3779B97F4A7C15L + g)));
        }
        return images;
    }

    private ImageArray load(int[] order, int position, SplittableRandom random) {
        for (int attempt = 0; attempt < order.length; attempt++) {
            int index = order[(position + attempt) % order.length];
            if (badIndices.contains(index)) {
                continue;
            }
            try {
                return dataset.get(index, random.split());
            } catch (ImageReadException e) {
                if (badIndices.add(index)) {
                    skipped.incrementAndGet();
                    LOG.warn("skipping unreadable image {}: {}", dataset.describe(index), e.getMessage());
                }
            }
        }
        throw new Vae4jException("no readable image left in the dataset (" + skipped.get() + " skipped)");
    }

    /** The next batch (blocks until decoded); rethrows a failure of the background thread. */
    public List<ImageArray> next() {
        Object item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a batch", e);
        }
        if (item instanceof CompletableFuture<?> pending) {
            try {
                item = pending.join();
            } catch (CompletionException e) {
                item = e.getCause();
            }
        }
        if (item instanceof RuntimeException e) {
            throw e;
        }
        if (item instanceof Error e) {
            throw e;
        }
        if (item == END) {
            throw new IllegalStateException("batch loader is closed");
        }
        @SuppressWarnings("unchecked")
        List<ImageArray> batch = (List<ImageArray>) item;
        return batch;
    }

    /** Distinct unreadable files skipped so far. */
    public long skippedFiles() {
        return skipped.get();
    }

    /** Stops the background threads. */
    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        decoders.shutdownNow();
        queue.clear();
        queue.offer(END);
    }
}
