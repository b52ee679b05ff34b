package dev.vae4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.TestModels;
import dev.vae4j.diffusion.dit.DiT;
import dev.vae4j.diffusion.dit.DiTConfig;
import dev.vae4j.diffusion.sampling.DdimSampler;
import dev.vae4j.diffusion.sampling.DiffusersSchedulerOptions;
import dev.vae4j.diffusion.sampling.NoiseSource;
import dev.vae4j.diffusion.sampling.Sampler;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import dev.vae4j.eval.fid.FidInceptionV3;
import dev.vae4j.train.cache.CacheLabels;
import dev.vae4j.train.cache.LatentCacheOptions;
import dev.vae4j.train.cache.LatentCacheWriter;
import dev.vae4j.train.cache.LatentDataset;
import dev.vae4j.train.data.SyntheticImages;
import dev.vae4j.train.metrics.LatentFeatureMap;
import dev.vae4j.train.metrics.LatentFrechetDistance;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GenerationEvaluator} on a latent cache of the built-in synthetic images (3 classes, 8x8 latents of the shared
 * tiny KL autoencoder) with a tiny class-conditional DiT: the latent FD equals a direct {@link LatentFrechetDistance}
 * of the same seeded samples (1e-9 relative), does not depend on the batch size (1e-6 relative), gFID with the FID
 * Inception caches its reference statistics and reads them back (same value to 1e-6 relative), and bad input is one
 * clear error before any sample is generated.
 */
class GenerationEvaluatorTest {
    @TempDir
    static Path dir;

    private static Path cache;
    private static AutoencoderKL autoencoder;

    @BeforeAll
    static void writeCache() {
        autoencoder = new AutoencoderKL(TestModels.autoencoderKL().build());
        autoencoder.module().eval();
        SyntheticImages images = new SyntheticImages(12, 16, 5, false);
        cache = dir.resolve("cache");
        try (InferenceMode noGrad = new InferenceMode();
                TensorScope scope = new TensorScope()) {
            LatentCacheOptions options =
                    new LatentCacheOptions(16, null, 5, false, 4, 1, CacheLabels.synthetic(images));
            new LatentCacheWriter(autoencoder, images.asSource(), cache, options, null)
                    .write(0, 1, false, (done, total) -> {});
        }
    }

    private static DiT dit(int inChannels, int patch) {
        DiT model = new DiT(DiTConfig.builder(2, 8, 1)
                .channels(inChannels, null)
                .size(Math.max(8, patch), patch)
                .classes(3)
                .build());
        model.eval();
        return model;
    }

    private static Sampler ddim(int steps) {
        return new DdimSampler(
                NoiseSchedule.diffusersDefault(),
                steps,
                DiffusersSchedulerOptions.defaults(),
                0.0,
                true,
                NoiseSource.of(torch.createCPUGenerator(0)));
    }

    /** One step that returns the latents unchanged: the "generated" latents are the initial noise. */
    private static Sampler identity() {
        return new Sampler() {
            @Override
            public int numSteps() {
                return 1;
            }

            @Override
            public double timestep(int step) {
                return 10;
            }

            @Override
            public Tensor step(int step, Tensor modelOutput, Tensor latents) {
                return latents.clone();
            }
        };
    }

    @Test
    void theLatentDistanceIsThatOfTheSeededSamples() {
        try (TensorScope scope = new TensorScope()) {
            GenerationScores scores = GenerationEvaluator.builder(dit(4, 2), identity())
                    .samplesPerClass(3)
                    .seed(7)
                    .batchSize(4)
                    .build()
                    .evaluate(cache);
            assertEquals(9, scores.generated());
            assertEquals(12, scores.real());
            assertTrue(Double.isNaN(scores.fid()));
            assertEquals("no autoencoder and Inception weights given", scores.fidMissingBecause());
            TensorVector noise = new TensorVector();
            for (int j = 0; j < 9; j++) {
                noise.push_back(torch.randn(
                        new long[] {1, 4, 8, 8},
                        new GeneratorOptional(torch.createCPUGenerator(7 * 0x9E3779B97F4A7C15L + j)),
                        new TensorOptions(torch.ScalarType.Float)));
            }
            Tensor real;
            try (LatentDataset dataset = LatentDataset.open(cache)) {
                real = dataset.batch(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 0, 0, LatentDataset.Mode.MEAN)
                        .latents();
            }
            double expected = LatentFrechetDistance.of(torch.cat(noise, 0), real, LatentFeatureMap.standard());
            assertEquals(expected, scores.latentFrechetDistance(), 1e-9 * expected);
            assertEquals(1, scores.metrics().size());
        }
    }

    @Test
    void guidedDitScoresDoNotDependOnTheBatchSize() {
        try (TensorScope scope = new TensorScope()) {
            DiT model = dit(4, 2);
            double[] fd = new double[2];
            int[] batches = {2, 5};
            for (int i = 0; i < 2; i++) {
                fd[i] = GenerationEvaluator.builder(model, ddim(3))
                        .classes(2, 0)
                        .samplesPerClass(2)
                        .guidanceScale(4.0)
                        .batchSize(batches[i])
                        .realLatents(10)
                        .build()
                        .evaluate(cache)
                        .latentFrechetDistance();
            }
            assertTrue(fd[0] > 0 && Double.isFinite(fd[0]), "latent FD " + fd[0]);
            assertEquals(fd[0], fd[1], 1e-6 * fd[0]);
        }
    }

    @Test
    void generationFidCachesTheDecodedReference() {
        try (TensorScope scope = new TensorScope()) {
            FidInceptionV3 inception = new FidInceptionV3();
            Path stats = dir.resolve("gfid-reference.safetensors");
            GenerationEvaluator.Builder builder = GenerationEvaluator.builder(dit(4, 2), ddim(2))
                    .samplesPerClass(1)
                    .realLatents(4)
                    .fid(autoencoder, inception, stats);
            GenerationScores first = builder.build().evaluate(cache);
            assertTrue(Files.exists(stats));
            assertNull(first.fidReferenceFrom());
            assertTrue(first.fid() > 0 && Double.isFinite(first.fid()), "gfid " + first.fid());
            GenerationScores second = builder.build().evaluate(cache);
            assertEquals(stats, second.fidReferenceFrom());
            assertEquals(first.fid(), second.fid(), 1e-6 * first.fid());
            assertEquals(first.fid(), second.metrics().get("gfid"));
            IllegalArgumentException other = assertThrows(
                    IllegalArgumentException.class,
                    () -> builder.realLatents(3).build().evaluate(cache));
            assertTrue(other.getMessage().contains("real_latents=4"), other.getMessage());
        }
    }

    @Test
    void badInputIsOneClearError() {
        try (TensorScope scope = new TensorScope()) {
            IllegalArgumentException channels = assertThrows(
                    IllegalArgumentException.class,
                    () -> GenerationEvaluator.builder(dit(8, 2), ddim(2))
                            .build()
                            .evaluate(cache));
            assertTrue(
                    channels.getMessage().contains("holds 4-channel latents; the denoiser takes 8"),
                    channels.getMessage());
            IllegalArgumentException size = assertThrows(
                    IllegalArgumentException.class,
                    () -> GenerationEvaluator.builder(dit(4, 16), ddim(2))
                            .build()
                            .evaluate(cache));
            assertTrue(
                    size.getMessage().contains("latents") && size.getMessage().contains("16"), size.getMessage());
            IllegalArgumentException classes = assertThrows(
                    IllegalArgumentException.class,
                    () -> GenerationEvaluator.builder(dit(4, 2), ddim(2))
                            .classes(0, 3)
                            .build());
            assertEquals("class 3 is outside [0, 3) of the denoiser", classes.getMessage());
            assertThrows(
                    IllegalArgumentException.class,
                    () -> GenerationEvaluator.builder(dit(4, 2), ddim(2))
                            .guidanceScale(0.5)
                            .build());
            assertThrows(
                    IllegalArgumentException.class,
                    () -> GenerationEvaluator.builder(dit(4, 2), ddim(2)).samplesPerClass(0));
        }
    }
}
