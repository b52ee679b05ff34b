package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae train} against careless or hostile input: typos in recipes and model configs, sizes the machine cannot
 * hold, run folders that must not be overwritten or escaped, unreadable and oversized images, and a run killed between
 * checkpoints. Each case ends in one {@code vae: error:} line naming the problem, or trains with the bad files skipped
 * and counted.
 */
class HostileTrainingInputsTest {
    @TempDir
    Path dir;

    /** The micro test recipe with {@code from} replaced by {@code to}, written to the temp folder. */
    private String recipe(String from, String to) throws IOException {
        String text = Files.readString(Path.of(TrainCommandTest.microRecipe()));
        assertTrue(text.contains(from), from);
        Path file = dir.resolve("recipe-" + Integer.toHexString((from + to).hashCode()) + ".yaml");
        Files.writeString(file, text.replace(from, to));
        return file.toString();
    }

    @Test
    void typosInTheRecipeOrModelConfigAreErrorsWithASuggestion() throws IOException {
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        recipe("latent_channels: 4", "latent_chanels: 4"),
                        "--out",
                        dir.resolve("a").toString())
                .assertOneLineError("unknown key 'latent_chanels'", "did you mean 'latent_channels'");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        recipe("  steps: 60", "  stpes: 60"),
                        "--out",
                        dir.resolve("b").toString())
                .assertOneLineError("recipe", "train", "unknown key 'stpes'", "did you mean 'steps'");
        assertFalse(Files.exists(dir.resolve("a").resolve("model")), "nothing is trained");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        TrainCommandTest.microRecipe(),
                        "--out",
                        dir.resolve("a").toString(),
                        "--steps",
                        "1")
                .assertOk();
    }

    @Test
    void sizesTheMachineCannotHoldAreErrorsBeforeAnyAllocation() throws IOException {
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        recipe("image_size: 16", "image_size: 100000"),
                        "--out",
                        dir.resolve("a").toString())
                .assertOneLineError("data.image_size 100000");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        recipe("image_size: 16", "image_size: 20000"),
                        "--out",
                        dir.resolve("b").toString(),
                        "--batch-size",
                        "100000")
                .assertOneLineError("train.batch_size");
        assertFalse(Files.exists(dir.resolve("a")), "no run folder is created");
    }

    @Test
    void aRunFolderIsOnlyResumedOrExplicitlyOverwritten() throws IOException {
        Path run = dir.resolve("run");
        CliTestSupport.run("train", "--recipe", TrainCommandTest.microRecipe(), "--out", run.toString(), "--steps", "2")
                .assertOk();
        deleteTree(run.resolve("checkpoints"));
        CliTestSupport.run("train", "--recipe", TrainCommandTest.microRecipe(), "--out", run.toString(), "--steps", "3")
                .assertOneLineError("already holds a run", "--overwrite");
        assertEquals(2, TrainCommandTest.metrics(run, "train").size(), "the first run's log is untouched");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        TrainCommandTest.microRecipe(),
                        "--out",
                        run.toString(),
                        "--steps",
                        "3",
                        "--overwrite")
                .assertOk();
        List<JsonNode> steps = TrainCommandTest.metrics(run, "train");
        assertEquals(3, steps.size(), "only the new run is logged");
        Path other = dir.resolve("photos");
        Files.createDirectories(other);
        Files.writeString(other.resolve("notes.txt"), "mine");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        TrainCommandTest.microRecipe(),
                        "--out",
                        other.toString(),
                        "--steps",
                        "1",
                        "--overwrite")
                .assertOneLineError("not empty", "holds no vae run");
        assertEquals("mine", Files.readString(other.resolve("notes.txt")));
        CliTestSupport.run("train", "--recipe", recipe("name: micro", "name: ../../escaped"), "--steps", "1")
                .assertOneLineError("recipe name '../../escaped'");
    }

    @Test
    void unreadableAndOversizedImagesAreSkippedAndCounted() throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        for (int i = 0; i < 12; i++) {
            CliTestSupport.writeImage(data.resolve(String.format("img%02d.png", i)), 16, 16, i);
        }
        // a 1 KB PNG declaring 20000x20000 pixels among the training images, a corrupt one among the held-out ones
        Files.write(data.resolve("img03.png"), dev.vae4j.core.testing.CraftedImages.png(20_000, 20_000));
        Files.write(data.resolve("img11.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Path run = dir.resolve("run");
        long t0 = System.nanoTime();
        CliTestSupport.Result result = CliTestSupport.run(
                "train",
                "--recipe",
                TrainCommandTest.microRecipe(),
                "--data",
                data.toString(),
                "--out",
                run.toString(),
                "--steps",
                "6");
        result.assertOk();
        assertTrue(result.out().contains("2 unreadable files skipped"), result.out());
        assertTrue(System.nanoTime() - t0 < 120_000_000_000L, "the oversized image is not decoded");
    }

    @Test
    void aResumeAfterKill9LogsEveryStepOnce() throws IOException {
        Path run = dir.resolve("run");
        CliTestSupport.run(
                        "train", "--recipe", TrainCommandTest.microRecipe(), "--out", run.toString(), "--steps", "20")
                .assertOk();
        // what a run killed at step 23 leaves: records past the step-20 checkpoint, the last one cut short
        StringBuilder lost = new StringBuilder();
        for (int step = 21; step <= 23; step++) {
            lost.append("{\"kind\":\"train\",\"step\":").append(step).append(",\"lr\":0.001}\n");
        }
        lost.append("{\"kind\":\"train\",\"st");
        Files.writeString(run.resolve("metrics.jsonl"), lost, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        CliTestSupport.run("train", "--resume", run.toString(), "--steps", "30").assertOk();
        List<JsonNode> steps = TrainCommandTest.metrics(run, "train");
        assertEquals(30, steps.size(), steps.toString());
        for (int i = 0; i < steps.size(); i++) {
            assertEquals(i + 1, steps.get(i).get("step").asLong());
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
