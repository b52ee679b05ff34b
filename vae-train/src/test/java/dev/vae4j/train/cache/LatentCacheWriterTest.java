package dev.vae4j.train.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.model.DiagonalGaussian;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.TestModels;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.data.ResizeCrop;
import dev.vae4j.train.data.WebDatasetShards;
import dev.vae4j.train.testing.TarShardWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The latent cache from tar shards: stored posteriors equal the model's (normalised mean, log-variance shifted by 2 ln
 * scale), captions come from the {@code .txt} entries, and {@link LatentDataset} reads every sample once per epoch as
 * means or seeded posterior samples.
 */
class LatentCacheWriterTest {
    private static final double SCALE = 0.5;
    private static final double SHIFT = 0.25;

    private static AutoencoderKLConfig modelConfig() {
        return TestModels.autoencoderKL().scaling(SCALE, SHIFT).build();
    }

    private static float[] values(Tensor t) {
        Tensor c = t.to(torch.ScalarType.Float).contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out, 0, out.length);
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5, what + "[" + i + "]");
        }
    }

    @Test
    void cachesTarShardsAndReadsThemBack(@TempDir Path dir) {
        TarShardWriter.write(dir.resolve("in"), 2, 5, new int[][] {{24, 16}, {16, 30}, {20, 20}}, 7);
        WebDatasetShards shards = WebDatasetShards.open(dir.resolve("in") + "/shard-{000000..000001}.tar");
        Path out = dir.resolve("cache");
        try (InferenceMode noGrad = new InferenceMode();
                TensorScope scope = new TensorScope()) {
            AutoencoderKL model = new AutoencoderKL(modelConfig());
            model.module().eval();
            LatentCacheOptions options = new LatentCacheOptions(16, null, 4, false, 3, 2);
            LatentCacheWriter.Report report =
                    new LatentCacheWriter(model, shards, out, options, null).write(0, 1, false, (done, total) -> {});
            assertEquals(new LatentCacheWriter.Report(3, 0, 10, 0, true), report);

            ImageArray crop = new ImageArray(
                    3,
                    16,
                    16,
                    ImageTensors.pixels(
                            ResizeCrop.apply(shards.read(5), 16, 16, 1.0, null).image(), 3));
            DiagonalGaussian posterior = model.encode(ImageArray.toBatch(List.of(crop)));
            try (SafetensorsReader shard = SafetensorsReader.open(out.resolve("latents-000001.safetensors"))) {
                assertClose(
                        values(model.latentNormalizer().normalize(posterior.mean())),
                        values(shard.load("1.mean")),
                        "normalised mean");
                float[] logvar = values(posterior.logvar());
                for (int i = 0; i < logvar.length; i++) {
                    logvar[i] += (float) (2 * Math.log(SCALE));
                }
                assertClose(logvar, values(shard.load("1.logvar")), "normalised logvar");
                assertTrue(
                        shard.metadata().get("samples").contains("\"caption\":\"caption 5\""),
                        shard.metadata().get("samples"));
            }

            try (LatentDataset cache = LatentDataset.open(out)) {
                assertEquals(10, cache.size());
                assertEquals(4, cache.latentChannels());
                assertEquals(2, cache.downsamplingFactor());
                assertEquals(SCALE, cache.normalizer().scale(), 0.0);
                assertEquals(SHIFT, cache.normalizer().shift(), 0.0);
                List<int[]> batches = cache.epoch(4, 3, 0, true);
                int[] all =
                        batches.stream().flatMapToInt(Arrays::stream).sorted().toArray();
                assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, all);
                assertNotEquals(
                        Arrays.toString(batches.get(0)),
                        Arrays.toString(cache.epoch(4, 3, 1, true).get(0)));
                LatentDataset.Batch means = cache.batch(new int[] {5, 0}, 3, 0, LatentDataset.Mode.MEAN);
                assertArrayEquals(
                        new long[] {2, 4, 8, 8}, means.latents().sizes().vec().get());
                assertEquals(List.of("000005", "000000"), means.keys());
                assertEquals(List.of("caption 5", "caption 0"), means.captions());
                assertClose(
                        values(model.latentNormalizer().normalize(posterior.mean())),
                        values(means.latents().get(0)),
                        "mean read back");
                Tensor sample = cache.batch(new int[] {5}, 3, 0, LatentDataset.Mode.SAMPLE)
                        .latents();
                assertClose(
                        values(sample),
                        values(cache.batch(new int[] {5}, 3, 0, LatentDataset.Mode.SAMPLE)
                                .latents()),
                        "seeded sample");
                assertTrue(
                        sample.sub(means.latents().narrow(0, 0, 1)).abs().max().item_double() > 1e-3,
                        "a sample differs from the mean");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> LatentCacheWriter.checkFolder(out, false, 0, 1));
    }
}
