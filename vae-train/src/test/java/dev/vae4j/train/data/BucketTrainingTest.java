package dev.vae4j.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.train.testing.TarShardWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Aspect-bucket training: homogeneous global batches, and images cut to their bucket's shape. */
class BucketTrainingTest {
    @Property(tries = 50)
    void everyGlobalBatchIsOneBucketAndNoImageRepeats(
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 3) Integer> buckets,
            @ForAll @IntRange(min = 1, max = 5) int globalBatch,
            @ForAll long seed) {
        int[] bucketOf = buckets.stream().mapToInt(Integer::intValue).toArray();
        int[] counts = new int[4];
        for (int b : bucketOf) {
            counts[b]++;
        }
        int expected =
                Arrays.stream(counts).map(c -> c / globalBatch * globalBatch).sum();
        if (expected == 0) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> new BucketBatchOrder(EpochOrder.shuffled(), bucketOf, globalBatch));
            return;
        }
        BucketBatchOrder order = new BucketBatchOrder(EpochOrder.shuffled(), bucketOf, globalBatch);
        assertEquals(expected, order.epochLength(bucketOf.length));
        int[] epoch = order.order(bucketOf.length, seed, 2);
        assertArrayEquals(epoch, order.order(bucketOf.length, seed, 2));
        assertEquals(expected, epoch.length);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < epoch.length; i++) {
            assertTrue(seen.add(epoch[i]), "index " + epoch[i] + " twice");
            assertEquals(bucketOf[epoch[i - i % globalBatch]], bucketOf[epoch[i]], "chunk of position " + i);
        }
    }

    @Test
    void imagesComeInTheirBucketShapeAndRankBatchesShareIt(@TempDir Path dir) {
        TarShardWriter.write(dir, 2, 6, new int[][] {{24, 16}, {16, 24}, {16, 16}}, 1);
        WebDatasetShards shards = WebDatasetShards.open(dir + "/shard-{000000..000001}.tar");
        AspectBuckets buckets = AspectBuckets.of(16, 4, 2);
        BucketedImageDataset data = new BucketedImageDataset(
                shards, 0, shards.size(), buckets, Augmentation.training(16), EpochOrder.shuffled());
        assertEquals(new AspectBuckets.Bucket(20, 12), data.bucket(0));
        assertEquals(new AspectBuckets.Bucket(12, 20), data.bucket(1));
        ImageArray wide = data.get(0, new SplittableRandom(1));
        assertEquals(12, wide.height());
        assertEquals(20, wide.width());
        EpochOrder order = data.trainingOrder(4);
        try (BatchLoader rank0 = new BatchLoader(data, new ShardedSampler(data.size(), 0, 2, 3, order), 2, 3, 0, 2, 2);
                BatchLoader rank1 =
                        new BatchLoader(data, new ShardedSampler(data.size(), 1, 2, 3, order), 2, 3, 0, 2, 2)) {
            for (int step = 0; step < 7; step++) {
                List<ImageArray> a = rank0.next();
                List<ImageArray> b = rank1.next();
                for (ImageArray image : List.of(a.get(0), a.get(1), b.get(0), b.get(1))) {
                    assertEquals(a.get(0).width(), image.width(), "step " + step);
                    assertEquals(a.get(0).height(), image.height(), "step " + step);
                }
            }
        }
    }
}
