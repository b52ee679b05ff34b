package dev.vae4j.recipes;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz target for the recipe parser: any bytes as a recipe file either load or fail with one
 * {@link IllegalArgumentException} naming the problem (unknown key, bad value, malformed YAML); anything else is a
 * finding. The regression inputs in {@code src/test/resources/dev/vae4j/recipes/RecipeFuzzTestInputs/recipe/} run in
 * the normal test run; a campaign is documented in the README ("Fuzzing").
 */
class RecipeFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void recipe(byte[] data) throws IOException {
        Path file = Files.createTempFile("vae4j-fuzz-", ".yaml");
        try {
            Files.write(file, data);
            Recipe recipe = Recipe.load(file.toString());
            Recipe.parse(recipe.toYaml(), "the fuzzed recipe written back");
        } catch (IllegalArgumentException expected) {
            // a clear error naming the key or the parse problem
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
