package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vae4j.recipes.Recipe;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vae recipes} lists every built-in recipe; {@code --image-size} and {@code --lr} reach the run's recipe. */
class TrainOverridesAndRecipesTest {
    @Test
    void recipesListsEveryBuiltInRecipeWithItsDescription() {
        CliTestSupport.Result result = CliTestSupport.run("recipes");
        result.assertOk();
        for (String name : Recipe.BUILT_IN) {
            assertTrue(
                    result.out()
                            .lines()
                            .anyMatch(l -> l.startsWith(name + " ")
                                    && l.endsWith(Recipe.load(name).description())),
                    name + " missing from:\n" + result.out());
        }
    }

    @Test
    void imageSizeAndLearningRateOverridesAreRecordedInTheRun(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        TrainCommandTest.microRecipe(),
                        "--out",
                        run.toString(),
                        "--steps",
                        "1",
                        "--image-size",
                        "16",
                        "--lr",
                        "3e-4")
                .assertOk();
        JsonNode recipe = new ObjectMapper(new YAMLFactory())
                .readTree(run.resolve("recipe.yaml").toFile());
        assertEquals(16, recipe.path("data").path("image_size").asInt());
        assertEquals(
                3e-4,
                recipe.path("train").path("generator_optimizer").path("lr").asDouble(),
                0.0);
    }

    @Test
    void badOverridesAreOneLineErrors(@TempDir Path dir) {
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        TrainCommandTest.microRecipe(),
                        "--out",
                        dir.resolve("a").toString(),
                        "--image-size",
                        "0")
                .assertOneLineError("--image-size must be positive, got 0");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        TrainCommandTest.microRecipe(),
                        "--out",
                        dir.resolve("b").toString(),
                        "--lr",
                        "-1")
                .assertOneLineError("lr -1.0");
    }

    @Test
    void theDataSourceIsRecordedAndCheckedOnResume(@TempDir Path dir) throws IOException {
        Path images = java.nio.file.Files.createDirectories(dir.resolve("images"));
        for (int i = 0; i < 6; i++) { // 4 are held out for validation
            CliTestSupport.writeImage(images.resolve("i" + i + ".png"), 32, 32, i);
        }
        Path run = dir.resolve("run");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        TrainCommandTest.microRecipe(),
                        "--out",
                        run.toString(),
                        "--steps",
                        "1",
                        "--data",
                        images.toString())
                .assertOk();
        JsonNode recipe = new ObjectMapper(new YAMLFactory())
                .readTree(run.resolve("recipe.yaml").toFile());
        assertEquals(
                images.toAbsolutePath().normalize().toString(),
                recipe.path("data").path("source").asText());
        CliTestSupport.run(
                        "train",
                        "--resume",
                        run.toString(),
                        "--data",
                        dir.resolve("other").toString())
                .assertOneLineError(
                        "differs from the data the run",
                        images.toAbsolutePath().normalize().toString());
    }
}
