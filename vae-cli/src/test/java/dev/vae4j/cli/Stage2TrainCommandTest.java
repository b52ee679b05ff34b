package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.diffusion.train.Stage2Recipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae train --recipe <stage-2 recipe> --latents CACHE}: a small DiT trains on a labelled cache that {@code vae
 * encode --labels folders} wrote and ends with a diffusers DiTPipeline folder; the stage-2 options are checked before
 * any work.
 */
class Stage2TrainCommandTest {
    @Test
    void theSmallStage2RecipeTrainsOnALabelledCacheAndWritesAPipeline(@TempDir Path dir) throws IOException {
        Path model = CliTestSupport.saveUnshiftedTestModel(dir.resolve("model"));
        Path images = dir.resolve("images");
        for (String name : List.of("zebra", "ant")) {
            Files.createDirectories(images.resolve(name));
            for (int i = 0; i < 3; i++) {
                CliTestSupport.writeImage(images.resolve(name).resolve(i + ".png"), 16, 16, name.length() + i);
            }
        }
        Path cache = dir.resolve("cache");
        CliTestSupport.run(
                        "encode",
                        "-m",
                        model.toString(),
                        "-i",
                        images.toString(),
                        "-o",
                        cache + "/",
                        "--resolution",
                        "16",
                        "--labels",
                        "folders")
                .assertOk();
        Path run = dir.resolve("run");
        String[] train = {
            "train",
            "--recipe",
            "dit-synthetic",
            "--latents",
            cache.toString(),
            "--vae",
            model.toString(),
            "--out",
            run.toString(),
            "--steps",
            "3",
            "--batch-size",
            "2",
            "--log-every",
            "1",
            "--threads",
            "1"
        };
        CliTestSupport.Result result = CliTestSupport.run(train);
        result.assertOk();
        assertTrue(result.out().contains("trained 3 steps"), result.out());
        assertTrue(Files.isRegularFile(run.resolve("pipeline").resolve("model_index.json")));
        assertTrue(Files.readString(run.resolve("pipeline").resolve("model_index.json"))
                .contains("\"zebra\""));
        assertEquals(3, Files.readAllLines(run.resolve("metrics.jsonl")).size());
        CliTestSupport.run(train).assertOneLineError("already holds a run", "--resume");
        Path other = CliTestSupport.saveTestModel(dir.resolve("other"));
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        "dit-synthetic",
                        "--latents",
                        cache.toString(),
                        "--vae",
                        other.toString(),
                        "--out",
                        dir.resolve("run2").toString())
                .assertOneLineError("was encoded by other weights", "give the autoencoder that encoded it");
        assertTrue(!Files.exists(dir.resolve("run2")));
        // a finished run resumed takes no step and records its latent space again (runs older than the record)
        Files.delete(run.resolve("latent-space.json"));
        CliTestSupport.run("train", "--resume", run.toString(), "--latents", cache.toString())
                .assertOk();
        assertTrue(Files.isRegularFile(run.resolve("latent-space.json")));
        assertEquals(3, Files.readAllLines(run.resolve("metrics.jsonl")).size());
    }

    @Test
    void vaeRecipesListsTheStage2Recipes() {
        CliTestSupport.Result result = CliTestSupport.run("recipes");
        result.assertOk();
        for (String name : Stage2Recipe.BUILT_IN) {
            assertTrue(
                    result.out()
                            .lines()
                            .anyMatch(l -> l.startsWith(name + " ")
                                    && l.endsWith(Stage2Recipe.load(name).description())),
                    name + " missing from:\n" + result.out());
        }
    }

    @Test
    void stage2OptionsAreCheckedBeforeAnyWork(@TempDir Path dir) {
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        "dit-synthetic",
                        "--out",
                        dir.resolve("a").toString())
                .assertOneLineError("stage-2 recipe dit-synthetic trains on a latent cache: give --latents CACHE");
        CliTestSupport.run("train", "--recipe", "kl-f4-small", "--latents", dir.toString())
                .assertOneLineError("--latents and --vae are options of stage-2 recipes");
        CliTestSupport.run("train", "--recipe", "dit-synthetic", "--latents", dir.toString(), "--data", dir.toString())
                .assertOneLineError("are options of autoencoder recipes");
        assertTrue(!Files.exists(dir.resolve("a")));
    }
}
