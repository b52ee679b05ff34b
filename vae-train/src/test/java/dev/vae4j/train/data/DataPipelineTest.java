package dev.vae4j.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sampling, loading, augmentation and the synthetic dataset. */
class DataPipelineTest {
    @Test
    void ranksSeeDisjointShardsThatChangeEveryEpoch() {
        ShardedSampler rank0 = new ShardedSampler(10, 0, 2, 7, true);
        ShardedSampler rank1 = new ShardedSampler(10, 1, 2, 7, true);
        Set<Integer> seen = new HashSet<>();
        long first = 30; // epoch 3
        for (int k = 0; k < 5; k++) {
            seen.add(rank0.order(3)[(int) (rank0.position(first, k) % 10)]);
        }
        for (int k = 0; k < 5; k++) {
            int index = rank1.order(3)[(int) (rank1.position(first, k) % 10)];
            assertTrue(seen.add(index), "index " + index + " seen by both ranks");
        }
        assertEquals(10, seen.size());
        assertNotEquals(Arrays.toString(rank0.order(0)), Arrays.toString(rank0.order(1)));
        assertArrayEquals(rank0.order(2), rank1.order(2));
    }

    @Test
    void twoRanksOfBatchBTogetherTakeTheSingleProcessBatchOf2B() {
        SyntheticImages data = new SyntheticImages(7, 16, 3, true);
        try (BatchLoader single = new BatchLoader(data, ShardedSampler.single(7, 3, true), 4, 5, 6, 1);
                BatchLoader rank0 = new BatchLoader(data, new ShardedSampler(7, 0, 2, 3, true), 2, 5, 6, 1);
                BatchLoader rank1 = new BatchLoader(data, new ShardedSampler(7, 1, 2, 3, true), 2, 5, 6, 1)) {
            for (int step = 0; step < 3; step++) {
                List<ImageArray> whole = single.next();
                List<ImageArray> a = rank0.next();
                List<ImageArray> b = rank1.next();
                for (int j = 0; j < 2; j++) {
                    assertArrayEquals(whole.get(2 * j).data(), a.get(j).data(), "step " + step);
                    assertArrayEquals(whole.get(2 * j + 1).data(), b.get(j).data(), "step " + step);
                }
            }
        }
    }

    @Test
    void aLoaderStartedMidStreamReproducesTheUninterruptedStream() {
        SyntheticImages data = new SyntheticImages(6, 16, 3, true);
        ShardedSampler sampler = ShardedSampler.single(6, 11, true);
        try (BatchLoader full = new BatchLoader(data, sampler, 4, 5, 0, 2);
                BatchLoader resumed = new BatchLoader(data, sampler, 4, 5, 8, 2)) {
            full.next();
            full.next();
            List<ImageArray> expected = full.next();
            List<ImageArray> actual = resumed.next();
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i).data(), actual.get(i).data());
            }
        }
    }

    @Test
    void unreadableImagesAreSkippedOnceAndCounted(@TempDir Path dir) throws IOException {
        for (int i = 0; i < 3; i++) {
            ImageIO.write(
                    new SyntheticImages(3, 20, 1, false).render(i),
                    "png",
                    dir.resolve("img" + i + ".png").toFile());
        }
        Files.write(dir.resolve("broken.png"), new byte[] {1, 2, 3});
        ImageFolderDataset data = new ImageFolderDataset(dir, Augmentation.training(16));
        assertEquals(4, data.size());
        try (BatchLoader loader = new BatchLoader(data, ShardedSampler.single(4, 0, false), 4, 0, 0, 1)) {
            List<ImageArray> batch = loader.next();
            loader.next();
            assertEquals(4, batch.size());
            assertEquals(16, batch.get(0).height());
            assertEquals(1, loader.skippedFiles());
        }
    }

    @Test
    void anEmptyFolderIsAClearError(@TempDir Path dir) {
        IllegalArgumentException error = assertThrows(
                IllegalArgumentException.class, () -> new ImageFolderDataset(dir, Augmentation.center(16)));
        assertTrue(error.getMessage().contains(dir.toString()), error.getMessage());
    }

    @Test
    void augmentationCropsToSizeAndStochasticRescalingZooms() {
        BufferedImage wide = new SyntheticImages(1, 64, 2, false).render(0).getSubimage(0, 0, 64, 40);
        BufferedImage out = new Augmentation(24, true, true, 1.0, 2.0).apply(wide, new SplittableRandom(4));
        assertEquals(24, out.getWidth());
        assertEquals(24, out.getHeight());
        BufferedImage centre = Augmentation.center(24).apply(wide, new SplittableRandom(4));
        assertArrayEquals(
                centre.getRGB(0, 0, 24, 24, null, 0, 24),
                Augmentation.center(24).apply(wide, new SplittableRandom(99)).getRGB(0, 0, 24, 24, null, 0, 24));
    }

    @Test
    void syntheticImagesAreDeterministicAndVaried() {
        SyntheticImages a = new SyntheticImages(4, 32, 9, false);
        SyntheticImages b = new SyntheticImages(4, 32, 9, false);
        assertArrayEquals(
                a.get(2, new SplittableRandom(0)).data(),
                b.get(2, new SplittableRandom(1)).data());
        float[] first = a.get(0, new SplittableRandom(0)).data();
        assertNotEquals(
                Arrays.hashCode(first),
                Arrays.hashCode(a.get(1, new SplittableRandom(0)).data()));
        double min = 1;
        double max = -1;
        for (float v : first) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertTrue(min >= -1 && max <= 1 && max - min > 0.2, "range " + min + ".." + max);
    }
}
