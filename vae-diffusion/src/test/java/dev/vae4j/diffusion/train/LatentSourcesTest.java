package dev.vae4j.diffusion.train;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.TestModels;
import dev.vae4j.diffusion.pipeline.DiTPipeline;
import dev.vae4j.diffusion.pipeline.SchedulerConfig;
import dev.vae4j.train.cache.CacheLabels;
import dev.vae4j.train.cache.LatentCacheOptions;
import dev.vae4j.train.cache.LatentCacheWriter;
import dev.vae4j.train.cache.LatentDataset;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.data.ImageClassFolders;
import dev.vae4j.train.data.SyntheticImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two data paths of stage-2 training on a tiny AutoencoderKL (f2, 4 channels: 16 px images give 8x8 latents): a
 * labelled latent cache under both normalisations, and images encoded on the fly; and the DiTPipeline folder a run with
 * an autoencoder writes.
 */
class LatentSourcesTest {
    static AutoencoderKL autoencoder() {
        torch.manual_seed(1);
        // no shift factor: diffusers' DiTPipeline, which runs end with, decodes latents / scaling_factor only
        AutoencoderKL model = new AutoencoderKL(
                TestModels.autoencoderKL().scaling(TestModels.SCALE, null).build());
        model.module().eval();
        return model;
    }

    /** A cache of classes "cat" and "dog", three 16x16 images each. */
    static Path cache(Path dir) throws IOException {
        for (String name : List.of("dog", "cat")) {
            Files.createDirectories(dir.resolve("in").resolve(name));
            for (int i = 0; i < 3; i++) {
                TestModels.writeImage(
                        dir.resolve("in").resolve(name).resolve("img" + i + ".png"), 16, 16, name.length() * 10 + i);
            }
        }
        ImageClassFolders folders = ImageClassFolders.open(dir.resolve("in"));
        Path out = dir.resolve("cache");
        try (InferenceMode noGrad = new InferenceMode();
                TensorScope scope = new TensorScope()) {
            LatentCacheOptions options = new LatentCacheOptions(16, null, 2, false, 2, 1, CacheLabels.folders(folders));
            new LatentCacheWriter(autoencoder(), folders.images(), out, options, null)
                    .write(0, 1, false, (done, total) -> {});
        }
        return out;
    }

    @Test
    void channelStatsNormaliseEachChannelWithTheCachesStatistics(@TempDir Path dir) throws IOException {
        try (LatentDataset cache = LatentDataset.open(cache(dir));
                TensorScope scope = new TensorScope()) {
            CachedLatents plain = new CachedLatents(cache, LatentNorm.VAE_SCALING, LatentDataset.Mode.MEAN, 0);
            CachedLatents stats = new CachedLatents(cache, LatentNorm.CHANNEL_STATS, LatentDataset.Mode.MEAN, 0);
            assertArrayEquals(new long[] {4, 8, 8}, plain.latentShape());
            assertArrayEquals(new long[] {0, 0, 0, 1, 1, 1}, plain.labels());
            assertEquals(List.of("cat", "dog"), plain.classNames());
            int[] all = {0, 1, 2, 3, 4, 5};
            long[] positions = {0, 1, 2, 3, 4, 5};
            Tensor raw = plain.load(all, positions, "cpu").latents();
            Tensor normalised = stats.load(all, positions, "cpu").latents();
            double[] mean = cache.channelMean();
            double[] std = cache.channelStd();
            for (int c = 0; c < 4; c++) {
                Tensor expected = raw.select(1, c)
                        .sub(new org.bytedeco.pytorch.Scalar(mean[c]))
                        .div(new org.bytedeco.pytorch.Scalar(std[c]));
                assertClose("channel " + c, expected, normalised.select(1, c), 1e-5);
            }
            // the cache's statistics are its own: normalised, each channel has mean 0 and std 1 (Bessel-corrected)
            assertClose("mean", torch.zeros(4), normalised.mean(new long[] {0, 2, 3}), 1e-4);
            assertEquals(1.0, normalised.select(1, 0).std().item_double(), 1e-3);
        }
    }

    @Test
    void aRunOnALabelledCacheWritesADiffusersPipelineFolderWithTheClassNames(@TempDir Path dir) throws IOException {
        AutoencoderKL vae = autoencoder();
        SchedulerConfig scheduler = SchedulerConfig.parse("{\"_class_name\": \"DDPMScheduler\"}");
        try (LatentDataset cache = LatentDataset.open(cache(dir))) {
            DenoiserTrainer trainer = DenoiserTrainer.builder(
                            DenoiserTrainerTest.dit(3),
                            DenoiserTrainerTest.ddpm(),
                            DenoiserTrainerTest.config(2, 3, 0),
                            dir.resolve("run"))
                    .classDropout(0.1)
                    .pipeline(vae, scheduler)
                    .build();
            trainer.train(new CachedLatents(cache, LatentNorm.CHANNEL_STATS, LatentDataset.Mode.SAMPLE, 0), List.of());
            assertEquals(dir.resolve("run").resolve(DenoiserTrainer.PIPELINE_FOLDER), trainer.modelFolder());
            DiTPipeline pipeline = DiTPipeline.load(trainer.modelFolder());
            assertEquals(Map.of(0, "cat", 1, "dog"), pipeline.id2label());
            assertEquals("DDPMScheduler", pipeline.scheduler().className());
        }
    }

    @Test
    void encodedImagesAreTheFrozenAutoencodersNormalisedPosteriorMeans(@TempDir Path dir) {
        AutoencoderKL vae = autoencoder();
        SyntheticImages images = new SyntheticImages(6, 16, 1, false);
        long[] labels = {0, 1, 2, 0, 1, 2};
        try (TensorScope scope = new TensorScope()) {
            EncodedImages source =
                    new EncodedImages(images, labels, List.of("a", "b", "c"), vae, LatentDataset.Mode.MEAN, 4);
            assertArrayEquals(new long[] {4, 8, 8}, source.latentShape());
            LatentSource.Batch batch = source.load(new int[] {2, 5}, new long[] {10, 11}, "cpu");
            assertArrayEquals(new long[] {2, 2}, new long[] {
                batch.labels().get(0).item_long(), batch.labels().get(1).item_long()
            });
            assertTrue(!batch.latents().requires_grad());
            try (NoGradGuard noGrad = new NoGradGuard()) {
                Tensor expected = vae.latentNormalizer()
                        .normalize(vae.encode(ImageArray.toDevice(
                                        List.of(
                                                images.get(
                                                        2, new SplittableRandom(4 * 0x9E3779B97F4A7C15L + 10).split()),
                                                images.get(
                                                        5, new SplittableRandom(4 * 0x9E3779B97F4A7C15L + 11).split())),
                                        new Device("cpu")))
                                .mean());
                assertClose("latents", expected, batch.latents(), 1e-6);
            }
            assertEquals(
                    2,
                    DenoiserTrainer.builder(
                                    DenoiserTrainerTest.dit(3),
                                    DenoiserTrainerTest.ddpm(),
                                    DenoiserTrainerTest.config(2, 2, 0),
                                    dir)
                            .build()
                            .train(
                                    new EncodedImages(images, labels, List.of(), vae, LatentDataset.Mode.SAMPLE, 4),
                                    List.of())
                            .step());
            assertTrue(Files.isDirectory(dir.resolve("transformer")));
            assertEquals(
                    "got 2 labels for 6 images: give one per image",
                    assertThrows(
                                    IllegalArgumentException.class,
                                    () -> new EncodedImages(
                                            images, new long[2], List.of(), vae, LatentDataset.Mode.MEAN, 0))
                            .getMessage());
        }
    }
}
