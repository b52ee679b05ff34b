package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.tiny.AutoencoderTiny;
import dev.vae4j.core.model.tiny.AutoencoderTinyConfig;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.recipes.Recipe;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae train --teacher}: a tiny decoder ({@code taesd-micro} test recipe, AutoencoderTiny f2) distilled from a
 * teacher AutoencoderKL's normalised latents with L1 and a PatchGAN: the reconstruction loss drops, held-out PSNR
 * rises, and the exported model is an AutoencoderTiny folder. Without a teacher the recipe fails in one line before
 * writing anything.
 */
class TinyDecoderDistillationTest {
    @Test
    void distilsATinyDecoderFromATeachersLatents(@TempDir Path dir) throws IOException {
        Path teacher = CliTestSupport.saveTestModel(dir.resolve("teacher"));
        Path run = dir.resolve("run");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        TrainCommandTest.testRecipe("taesd-micro"),
                        "--teacher",
                        teacher.toString(),
                        "--out",
                        run.toString(),
                        "--threads",
                        "2")
                .assertOk();
        List<JsonNode> steps = TrainCommandTest.metrics(run, "train");
        double first = mean(steps.subList(0, 5));
        double last = mean(steps.subList(steps.size() - 5, steps.size()));
        System.out.printf("taesd-micro distillation: L1 %.4f (steps 1-5) -> %.4f (steps 36-40)%n", first, last);
        assertTrue(last < 0.8 * first, "reconstruction loss " + first + " -> " + last);
        assertTrue(steps.get(steps.size() - 1).has("g"), "the GAN term is on after disc_start");
        List<JsonNode> validation = TrainCommandTest.metrics(run, "validation");
        double before = validation.get(0).get("psnr").asDouble();
        double after = validation.get(validation.size() - 1).get("psnr").asDouble();
        assertTrue(after > before + 1.0, "PSNR " + before + " -> " + after);

        try (TensorScope scope = new TensorScope()) {
            AutoencoderTiny student = (AutoencoderTiny) Autoencoders.load(run.resolve("model"));
            assertEquals(2, student.downsamplingFactor());
            assertTrue(student.hasEncoder() && student.hasDecoder());
            assertEquals(List.of(8, 8), student.config().decoderBlockOutChannels());
        }
    }

    @Test
    void theDistillationRecipeNeedsATeacher(@TempDir Path dir) {
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        TrainCommandTest.testRecipe("taesd-micro"),
                        "--out",
                        dir.resolve("run").toString())
                .assertOneLineError("--teacher DIR");
        assertFalse(java.nio.file.Files.exists(dir.resolve("run")), "nothing written before the check");
    }

    @Test
    void theBuiltInRecipeBuildsTaesdsArchitecture() {
        try (TensorScope scope = new TensorScope()) {
            Recipe recipe = Recipe.load("taesd-distill");
            assertTrue(recipe.model().requiresTeacher());
            assertTrue(recipe.train().decoderOnly());
            AutoencoderTiny student = (AutoencoderTiny) recipe.model().build();
            assertEquals(AutoencoderTinyConfig.taesd(4), student.config());
        }
    }

    private static double mean(List<JsonNode> steps) {
        return steps.stream()
                .mapToDouble(s -> s.get("rec").asDouble())
                .average()
                .orElseThrow();
    }
}
