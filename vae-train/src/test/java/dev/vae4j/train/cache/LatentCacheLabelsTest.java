package dev.vae4j.train.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.TestModels;
import dev.vae4j.train.data.AspectBuckets;
import dev.vae4j.train.data.ImageClassFolders;
import dev.vae4j.train.data.ImageSource;
import dev.vae4j.train.data.SyntheticImages;
import dev.vae4j.train.data.WebDatasetShards;
import dev.vae4j.train.testing.TarShardWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class labels in the latent cache ({@code folders} as torchvision's {@code ImageFolder}, {@code synthetic} the
 * built-in images' texture kinds, {@code json:KEY} from WebDataset samples), carried by {@link LatentDataset} batches
 * and recorded in the index and fingerprint, and the index's per-channel latent statistics against a direct float64
 * computation over the stored latents (1e-6).
 */
class LatentCacheLabelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static AutoencoderKL model() {
        AutoencoderKL model =
                new AutoencoderKL(TestModels.autoencoderKL().scaling(0.5, 0.25).build());
        model.module().eval();
        return model;
    }

    private static LatentCacheWriter.Report write(ImageSource source, Path out, CacheLabels labels, boolean resume) {
        try (InferenceMode noGrad = new InferenceMode();
                TensorScope scope = new TensorScope()) {
            LatentCacheOptions options = new LatentCacheOptions(16, null, 2, false, 2, 1, labels);
            return new LatentCacheWriter(model(), source, out, options, null).write(0, 1, resume, (done, total) -> {});
        }
    }

    /** Classes "dog" and "cat" (created in that order), three 16x16 images each. */
    private static Path classFolders(Path dir) throws IOException {
        for (String name : List.of("dog", "cat")) {
            Files.createDirectories(dir.resolve(name));
            for (int i = 0; i < 3; i++) {
                TestModels.writeImage(dir.resolve(name).resolve("img" + i + ".png"), 16, 16, name.length() * 10 + i);
            }
        }
        return dir;
    }

    private static long[] longs(Tensor t) {
        long[] out = new long[(int) t.numel()];
        t.contiguous().data_ptr_long().get(out, 0, out.length);
        return out;
    }

    private static double[] doubles(Tensor t) {
        Tensor c = t.to(torch.ScalarType.Double).contiguous();
        double[] out = new double[(int) c.numel()];
        c.data_ptr_double().get(out, 0, out.length);
        return out;
    }

    @Test
    void folderLabelsAreTheSortedSubFolderIndices(@TempDir Path dir) throws IOException {
        ImageClassFolders folders = ImageClassFolders.open(classFolders(dir.resolve("in")));
        assertEquals(List.of("cat", "dog"), folders.classNames());
        Path out = dir.resolve("cache");
        assertTrue(write(folders.images(), out, CacheLabels.folders(folders), false)
                .indexWritten());
        try (TensorScope scope = new TensorScope();
                LatentDataset cache = LatentDataset.open(out)) {
            assertEquals("folders", cache.labelMode());
            assertEquals(List.of("cat", "dog"), cache.classNames());
            LatentDataset.Batch batch = cache.batch(new int[] {0, 1, 2, 3, 4, 5}, 0, 0, LatentDataset.Mode.MEAN);
            assertEquals(List.of("cat/img0", "cat/img1", "cat/img2", "dog/img0", "dog/img1", "dog/img2"), batch.keys());
            assertEquals(torch.ScalarType.Long.value, batch.labels().scalar_type().value);
            assertArrayEquals(new long[] {0, 0, 0, 1, 1, 1}, longs(batch.labels()));
        }
    }

    @Test
    void syntheticLabelsAreTheTextureKinds(@TempDir Path dir) {
        SyntheticImages images = new SyntheticImages(6, 16, 3, false);
        Path out = dir.resolve("cache");
        assertTrue(write(images.asSource(), out, CacheLabels.synthetic(images), false)
                .indexWritten());
        try (TensorScope scope = new TensorScope();
                LatentDataset cache = LatentDataset.open(out)) {
            assertEquals("synthetic", cache.labelMode());
            assertEquals(List.of("plain", "stripes", "checkers"), cache.classNames());
            LatentDataset.Batch batch = cache.batch(new int[] {0, 1, 2, 3, 4, 5}, 0, 0, LatentDataset.Mode.MEAN);
            assertEquals("synthetic-000004", batch.keys().get(4));
            long[] expected = new long[6];
            for (int i = 0; i < 6; i++) {
                expected[i] = images.label(i);
            }
            assertArrayEquals(expected, longs(batch.labels()));
        }
    }

    @Test
    void imagesDirectlyInTheRootAreRefusedByName(@TempDir Path dir) throws IOException {
        classFolders(dir);
        TestModels.writeImage(dir.resolve("stray.png"), 16, 16, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageClassFolders.open(dir));
        assertTrue(e.getMessage().contains("1 image(s) directly in " + dir + " (stray.png)"), e.getMessage());
    }

    @Test
    void jsonKeyLabelsComeFromTheSamplesJson(@TempDir Path dir) {
        TarShardWriter.write(dir.resolve("in"), 1, 4, new int[][] {{16, 16}}, 3); // .json is {"k": k}
        WebDatasetShards shards = WebDatasetShards.open(dir.resolve("in") + "/shard-000000.tar");
        Path out = dir.resolve("cache");
        assertTrue(write(shards, out, CacheLabels.json("k"), false).indexWritten());
        try (TensorScope scope = new TensorScope();
                LatentDataset cache = LatentDataset.open(out)) {
            assertEquals("json:k", cache.labelMode());
            assertEquals(List.of(), cache.classNames());
            LatentDataset.Batch batch = cache.batch(new int[] {3, 1, 0}, 0, 0, LatentDataset.Mode.MEAN);
            assertArrayEquals(new long[] {3, 1, 0}, longs(batch.labels()));
        }
    }

    @Test
    void clsEntriesStandInForAMissingJsonKeyAndBadLabelsAreNamed(@TempDir Path dir) throws IOException {
        Path tar = dir.resolve("cls.tar");
        try (OutputStream out = Files.newOutputStream(tar);
                TarArchiveOutputStream archive = new TarArchiveOutputStream(out)) {
            byte[] png = TarShardWriter.png(16, 16, 1);
            TarShardWriter.add(archive, "a.png", png);
            TarShardWriter.add(archive, "a.cls", "7\n".getBytes(StandardCharsets.UTF_8));
            TarShardWriter.add(archive, "b.png", png);
            TarShardWriter.add(archive, "b.json", "{\"label\": 2.5}".getBytes(StandardCharsets.UTF_8));
            TarShardWriter.add(archive, "c.png", png);
            TarShardWriter.add(archive, "c.cls", "cat".getBytes(StandardCharsets.UTF_8));
            TarShardWriter.add(archive, "d.png", png);
        }
        WebDatasetShards source = WebDatasetShards.open(List.of(tar));
        CacheLabels labels = CacheLabels.json("label");
        assertEquals(7L, labels.label(source, 0));
        IllegalArgumentException fraction = assertThrows(IllegalArgumentException.class, () -> labels.label(source, 1));
        assertTrue(fraction.getMessage().contains("'label' is 2.5, not a non-negative integer"), fraction.getMessage());
        IllegalArgumentException word = assertThrows(IllegalArgumentException.class, () -> labels.label(source, 2));
        assertTrue(word.getMessage().contains(".cls is 'cat'"), word.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> labels.label(source, 3));
        assertTrue(
                none.getMessage().contains("has no label: no key 'label' in its .json and no .cls"), none.getMessage());

        Path out = dir.resolve("cache");
        IllegalArgumentException refused =
                assertThrows(IllegalArgumentException.class, () -> write(source, out, labels, false));
        assertTrue(refused.getMessage().contains("b.png: .json key 'label' is 2.5"), refused.getMessage());
        assertTrue(Files.notExists(LatentShards.file(out, 0)), "a bad label is refused before any shard is written");
    }

    @Test
    void channelStatisticsEqualADirectComputationOverTheStoredLatents(@TempDir Path dir) throws IOException {
        TarShardWriter.write(dir.resolve("in"), 1, 5, new int[][] {{16, 16}, {32, 16}}, 9);
        WebDatasetShards shards = WebDatasetShards.open(dir.resolve("in") + "/shard-000000.tar");
        Path out = dir.resolve("cache");
        try (InferenceMode noGrad = new InferenceMode();
                TensorScope scope = new TensorScope()) {
            // buckets give latents of two shapes; 3 shards of 2, 2, 1 samples
            LatentCacheOptions options =
                    new LatentCacheOptions(16, AspectBuckets.of(16, 4, 2.0), 2, false, 2, 1, CacheLabels.none());
            assertTrue(new LatentCacheWriter(model(), shards, out, options, null)
                    .write(0, 1, false, (done, total) -> {})
                    .indexWritten());
            TensorVector flat = new TensorVector();
            for (int j = 0; j < 3; j++) {
                try (SafetensorsReader reader = SafetensorsReader.open(LatentShards.file(out, j))) {
                    for (String name : reader.names()) {
                        if (name.endsWith(".mean")) {
                            Tensor mean = reader.load(name);
                            flat.push_back(mean.to(torch.ScalarType.Double).reshape(mean.size(0), -1));
                        }
                    }
                }
            }
            Tensor all = torch.cat(flat, 1); // (L, every position of every sample)
            double[] expectedMean = doubles(all.mean(new long[] {1}));
            double[] expectedStd = doubles(all.std(new long[] {1}, true, false));
            try (LatentDataset cache = LatentDataset.open(out)) {
                assertEquals(2, cache.epoch(5, 0, 0, false).size(), "two latent shapes");
                assertArrayEquals(expectedMean, cache.channelMean(), 1e-6);
                assertArrayEquals(expectedStd, cache.channelStd(), 1e-6);
                assertEquals("none", cache.labelMode());
                assertNull(cache.batch(new int[] {0}, 0, 0, LatentDataset.Mode.MEAN)
                        .labels());
            }
        }
    }

    @Test
    void aCacheWrittenBeforeLabelsAndStatisticsStillOpens(@TempDir Path dir) throws IOException {
        TarShardWriter.write(dir.resolve("in"), 1, 2, new int[][] {{16, 16}}, 5);
        Path out = dir.resolve("cache");
        write(WebDatasetShards.open(dir.resolve("in") + "/shard-000000.tar"), out, CacheLabels.none(), false);
        Path indexFile = out.resolve(LatentShards.INDEX);
        ObjectNode index = (ObjectNode) JSON.readTree(indexFile.toFile());
        index.remove(List.of("channel_mean", "channel_std"));
        JSON.writeValue(indexFile.toFile(), index);
        try (TensorScope scope = new TensorScope();
                LatentDataset cache = LatentDataset.open(out)) {
            assertNull(cache.channelMean());
            assertNull(cache.channelStd());
            assertEquals(List.of(), cache.classNames());
            assertNull(
                    cache.batch(new int[] {0, 1}, 0, 0, LatentDataset.Mode.MEAN).labels());
        }
    }

    @Test
    void resumingWithAnotherLabelModeIsRefusedNamingIt(@TempDir Path dir) throws IOException {
        ImageClassFolders folders = ImageClassFolders.open(classFolders(dir.resolve("in")));
        Path out = dir.resolve("cache");
        write(folders.images(), out, CacheLabels.folders(folders), false);
        Files.delete(LatentShards.file(out, 1));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> write(folders.images(), out, CacheLabels.json("k"), true));
        assertTrue(e.getMessage().contains("label mode differs (folders recorded, json:k now)"), e.getMessage());
        IllegalArgumentException none = assertThrows(
                IllegalArgumentException.class, () -> write(folders.images(), out, CacheLabels.none(), true));
        assertTrue(none.getMessage().contains("label mode differs (folders recorded, none now)"), none.getMessage());
        assertTrue(Files.notExists(LatentShards.file(out, 1)), "nothing written");
        assertEquals(
                1,
                write(folders.images(), out, CacheLabels.folders(folders), true).shardsWritten());
    }
}
