package dev.vae4j.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.diffusion.dit.DiT;
import dev.vae4j.diffusion.objective.DiffusionObjective;
import dev.vae4j.diffusion.objective.RectifiedFlowObjective;
import dev.vae4j.diffusion.objective.RegressionLoss;
import dev.vae4j.diffusion.pipeline.DiTPipeline;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.TrainingState;
import dev.vae4j.train.dist.DataParallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in stage-2 recipes read, build their parts, and the small one trains on a labelled cache end to end. */
class Stage2RecipeTest {
    @Test
    void everyBuiltInRecipeLoadsAndBuildsItsParts() {
        for (String name : Stage2Recipe.BUILT_IN) {
            Stage2Recipe recipe = Stage2Recipe.load(name);
            assertEquals(name, recipe.name());
            assertTrue(Stage2Recipe.isStage2(name), name);
            assertTrue(recipe.objective().create() != null, name);
            assertEquals(recipe, Stage2Recipe.load(writeTemp(recipe)), name + " reads back from its YAML");
        }
        Stage2Recipe dit = Stage2Recipe.load("dit-s2");
        // DiT-S/2 without the learned-variance channels, 10 classes, 32x32x4 latents
        assertEquals(384, dit.denoiser().dit().config(4, 32, 10).innerDim());
        assertTrue(dit.objective().create() instanceof DiffusionObjective d && d.loss() == RegressionLoss.L2);
        assertEquals("DDIMScheduler", dit.objective().scheduler().className());
        assertTrue(Stage2Recipe.load("sit-s2").objective().create() instanceof RectifiedFlowObjective);
        Stage2Recipe unet = Stage2Recipe.load("latent-unet");
        assertEquals(500, unet.objective().schedule().trainTimesteps());
        assertEquals(null, unet.objective().scheduler(), "diffusers cannot state pytorch-diffusion's cosine betas");
        assertEquals(4, unet.denoiser().latentUnet().config(4, 32, 3).inChannels());
        assertFalse(Stage2Recipe.isStage2("kl-f4-small"));
    }

    private static String writeTemp(Stage2Recipe recipe) {
        try {
            Path file = Files.createTempFile("stage2", ".yaml");
            Files.writeString(file, recipe.toYaml());
            file.toFile().deleteOnExit();
            return file.toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void unknownRecipesAndKeysAreNamed(@TempDir Path dir) throws IOException {
        assertEquals(
                "no stage-2 recipe file nope and no built-in stage-2 recipe of that name (built in: dit-s2, sit-s2,"
                        + " latent-unet, dit-synthetic)",
                assertThrows(IllegalArgumentException.class, () -> Stage2Recipe.load("nope"))
                        .getMessage());
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, Stage2Recipe.load("dit-synthetic").toYaml().replace("class_dropout:", "class_drop:"));
        String message = assertThrows(IllegalArgumentException.class, () -> Stage2Recipe.load(file.toString()))
                .getMessage();
        assertTrue(message.contains("class_drop"), message);
    }

    @Test
    void theSmallRecipeTrainsOnALabelledCacheAndWritesAPipeline(@TempDir Path dir) throws IOException {
        Stage2Recipe recipe = Stage2Recipe.load("dit-synthetic");
        recipe = recipe.withTrain(recipe.train().toBuilder()
                .steps(3)
                .batchSize(2)
                .checkpoints(0, 1)
                .logEvery(1)
                .build());
        Path cache = LatentSourcesTest.cache(dir);
        Path vaeFolder = dir.resolve("vae");
        LatentSourcesTest.autoencoder().save(vaeFolder);
        Path run = dir.resolve("run");
        TrainingState end =
                Stage2Session.train(recipe, cache, run, vaeFolder, DataParallel.none(), new StopRequest(), List.of());
        assertEquals(3, end.step());
        assertTrue(Stage2Session.isRun(run));
        assertEquals(3, Files.readAllLines(run.resolve("metrics.jsonl")).size());
        DiTPipeline pipeline = DiTPipeline.load(run.resolve(DenoiserTrainer.PIPELINE_FOLDER));
        assertEquals(Map.of(0, "cat", 1, "dog"), pipeline.id2label());
        assertEquals(2, pipeline.transformer().numClasses());
        // a finished run folder continues from its last checkpoint: nothing left to do
        assertEquals(
                3,
                Stage2Session.train(
                                Stage2Recipe.load(
                                        run.resolve(Stage2Session.RECIPE_FILE).toString()),
                                cache,
                                run,
                                null,
                                DataParallel.none(),
                                new StopRequest(),
                                List.of())
                        .step());
    }

    @Test
    void theInitialWeightsDependOnTheRecipeSeedAlone(@TempDir Path dir) throws IOException {
        Stage2Recipe recipe = Stage2Recipe.load("dit-synthetic");
        recipe = recipe.withTrain(recipe.train().toBuilder()
                .steps(1)
                .batchSize(2)
                .checkpoints(0, 1)
                .build());
        Path cache = LatentSourcesTest.cache(dir);
        byte[][] weights = new byte[2][];
        for (int run = 0; run < 2; run++) {
            // the process's global generator in another state before each run
            torch.randn(new long[] {1 + run * 1000L});
            Path runDir = dir.resolve("run" + run);
            Stage2Session.train(recipe, cache, runDir, null, DataParallel.none(), new StopRequest(), List.of());
            weights[run] =
                    Files.readAllBytes(runDir.resolve(DiT.PIPELINE_SUBFOLDER).resolve(DiT.WEIGHTS_FILE));
        }
        assertArrayEquals(weights[0], weights[1]);
    }
}
