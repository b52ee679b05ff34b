package dev.vae4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.TestModels;
import dev.vae4j.diffusion.train.Stage2Recipe;
import dev.vae4j.diffusion.train.Stage2Session;
import dev.vae4j.eval.fid.FidInceptionV3;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.cache.CacheLabels;
import dev.vae4j.train.cache.LatentCacheOptions;
import dev.vae4j.train.cache.LatentCacheWriter;
import dev.vae4j.train.data.SyntheticImages;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.DataParallel;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.InferenceMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OnlineGenerationEvaluation} in a stage-2 run, the synthetic pipeline at tiny size: the built-in synthetic
 * images (3 texture classes) encoded by the shared tiny KL autoencoder into 8x8 latents with their classes, the
 * {@code dit-synthetic} recipe trained for 60 steps of batch 16 with an evaluation every 20 steps: the metrics log
 * holds one {@code generation} record per evaluation and the latent FD falls from the first evaluation to the last. Bad
 * input (a cache without labels, a recipe without EMA, gFID with only one of its two networks) is one clear error
 * before any training.
 */
class OnlineGenerationEvaluationTest {
    @TempDir
    static Path dir;

    private static Path labelled;
    private static Path unlabelled;
    private static AutoencoderKL autoencoder;

    @BeforeAll
    static void writeCaches() {
        autoencoder = new AutoencoderKL(TestModels.autoencoderKL().build());
        autoencoder.module().eval();
        SyntheticImages images = new SyntheticImages(48, 16, 5, false);
        labelled = dir.resolve("labelled");
        unlabelled = dir.resolve("unlabelled");
        try (InferenceMode noGrad = new InferenceMode();
                TensorScope scope = new TensorScope()) {
            new LatentCacheWriter(
                            autoencoder,
                            images.asSource(),
                            labelled,
                            new LatentCacheOptions(16, null, 5, false, 8, 1, CacheLabels.synthetic(images)),
                            null)
                    .write(0, 1, false, (done, total) -> {});
            new LatentCacheWriter(
                            autoencoder,
                            images.asSource(),
                            unlabelled,
                            new LatentCacheOptions(16, null, 5, false, 8, 1),
                            null)
                    .write(0, 1, false, (done, total) -> {});
        }
    }

    private static Stage2Recipe tiny(double emaDecay) {
        Stage2Recipe recipe = Stage2Recipe.load("dit-synthetic");
        return recipe.withTrain(recipe.train().toBuilder()
                .steps(60)
                .batchSize(16)
                .ema(emaDecay, 0)
                .checkpoints(60, 1)
                .logEvery(20)
                .build());
    }

    private static OnlineGenerationEvaluation.Settings every20() {
        return new OnlineGenerationEvaluation.Settings(20, 8, 10, 1.0, 0, 24);
    }

    @Test
    void theLatentDistanceFallsAndIsLogged() throws IOException {
        Stage2Recipe recipe = tiny(0.9);
        OnlineGenerationEvaluation evaluation =
                new OnlineGenerationEvaluation(recipe, labelled, every20(), autoencoder, null, Collectives.single());
        Path run = dir.resolve("run");
        Stage2Session.train(recipe, labelled, run, null, DataParallel.none(), new StopRequest(), List.of(evaluation));
        List<OnlineGenerationEvaluation.Record> history = evaluation.history();
        assertEquals(
                List.of(20L, 40L, 60L),
                history.stream().map(OnlineGenerationEvaluation.Record::step).toList());
        double first = history.get(0).scores().latentFrechetDistance();
        double last = history.get(2).scores().latentFrechetDistance();
        assertEquals(24, history.get(2).scores().generated());
        assertTrue(last < first, "latent FD " + first + " at step 20, " + last + " at step 60");
        List<String> records = Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .filter(line -> line.contains("\"kind\":\"generation\""))
                .toList();
        assertEquals(3, records.size());
        BufferedImage grid =
                ImageIO.read(OnlineGenerationEvaluation.gridFile(run, 60).toFile());
        assertEquals(8 * 16, grid.getWidth());
        assertEquals(3 * 16, grid.getHeight());
        assertTrue(records.get(2).contains("\"step\":60") && records.get(2).contains("\"latent_fd\""), records.get(2));
    }

    @Test
    void aCacheWithoutLabelsIsRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new OnlineGenerationEvaluation(
                        tiny(0.9), unlabelled, every20(), null, null, Collectives.single()));
        assertTrue(e.getMessage().contains("has no labels"), e.getMessage());
    }

    @Test
    void aRecipeWithoutEmaIsRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new OnlineGenerationEvaluation(tiny(0), labelled, every20(), null, null, Collectives.single()));
        assertTrue(e.getMessage().contains("keeps no EMA"), e.getMessage());
    }

    @Test
    void gfidNeedsTheAutoencoder() {
        FidInceptionV3 inception = new FidInceptionV3();
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new OnlineGenerationEvaluation(
                        tiny(0.9), labelled, every20(), null, inception, Collectives.single()));
        assertTrue(e.getMessage().contains("give the autoencoder that encoded the cache"), e.getMessage());
    }

    @Test
    void badCountsAreRefused() {
        assertThrows(
                IllegalArgumentException.class, () -> new OnlineGenerationEvaluation.Settings(0, 8, 10, 1.0, 0, 8));
    }
}
