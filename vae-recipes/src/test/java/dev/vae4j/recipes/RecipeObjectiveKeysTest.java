package dev.vae4j.recipes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.losses.GradNormalizedConfig;
import dev.vae4j.losses.VaeGanConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recipe's objective section: R1 and LeCam reach the objective; keys of the other objective type, unknown types and
 * unknown enum spellings are refused by name; the {@code vqgan-training} recipe is
 * {@link GradNormalizedConfig#builder()}'s defaults; every built-in recipe written out reads back equal, in the
 * spellings it was written in.
 */
class RecipeObjectiveKeysTest {
    private static final Path RECIPES = Path.of("src/test/resources/recipes");

    /** {@code base} with {@code lines} added at the top of its objective section. */
    private static String withObjectiveLines(Path dir, String base, String lines) throws IOException {
        String text = Files.readString(RECIPES.resolve(base + ".yaml"));
        assertTrue(text.contains("\nobjective:\n"), base);
        Path file = dir.resolve(base + "-edited.yaml");
        Files.writeString(file, text.replace("\nobjective:\n", "\nobjective:\n" + lines));
        return file.toString();
    }

    @Test
    void r1AndLeCamReachTheObjective(@TempDir Path dir) throws IOException {
        Recipe recipe = Recipe.load(
                withObjectiveLines(dir, "micro", "  r1_gamma: 10.0\n  lecam_weight: 0.1\n  lecam_decay: 0.9\n"));
        VaeGanConfig config = ObjectiveFactory.config(recipe);
        assertEquals(10.0, config.r1Gamma());
        assertEquals(0.1, config.lecamWeight());
        assertEquals(0.9, config.lecamDecay());
        assertEquals(
                0.999,
                ObjectiveFactory.config(
                                Recipe.load(RECIPES.resolve("micro.yaml").toString()))
                        .lecamDecay());
    }

    @Test
    void keysOfTheOtherObjectiveTypeAreRefused(@TempDir Path dir) throws IOException {
        String gradNormalized = withObjectiveLines(dir, "grad-normalized-micro", "  pixel: l1\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Recipe.load(gradNormalized));
        assertTrue(
                e.getMessage().contains("objective key 'pixel' does not apply to objective type grad-normalized"),
                e.getMessage());
        String vaeGan = withObjectiveLines(dir, "micro", "  pool_kernel: 4\n");
        e = assertThrows(IllegalArgumentException.class, () -> Recipe.load(vaeGan));
        assertTrue(
                e.getMessage().contains("objective key 'pool_kernel' does not apply to objective type vae-gan"),
                e.getMessage());
        for (String vqKey : new String[] {"gan_start: 3", "lazy_gan: true"}) {
            String withVqKey = withObjectiveLines(dir, "micro", "  " + vqKey + "\n");
            e = assertThrows(IllegalArgumentException.class, () -> Recipe.load(withVqKey));
            String key = vqKey.substring(0, vqKey.indexOf(':'));
            assertTrue(
                    e.getMessage()
                            .contains("objective key '" + key + "' does not apply to objective type vae-gan (it is read"
                                    + " by vq-gan)"),
                    e.getMessage());
        }
    }

    @Test
    void theVqganTrainingRecipeIsTheGradNormalizedBuildersDefaults() {
        assertEquals(
                GradNormalizedConfig.builder().build(), ObjectiveFactory.gradNormalized(Recipe.load("vqgan-training")));
        GradNormalizedConfig changed =
                GradNormalizedConfig.builder().pooledWeight(0.5).discStart(3).build();
        assertEquals(0.5, changed.pooledWeight());
        assertEquals(3, changed.discStart());
    }

    @Test
    void unknownTypesAndSpellingsNameTheValidOnes(@TempDir Path dir) throws IOException {
        String unknownType = withObjectiveLines(dir, "micro", "  type: wgan\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Recipe.load(unknownType));
        assertTrue(
                e.getMessage().contains("unknown objective type 'wgan' (one of vae-gan, grad-normalized, vq-gan)"),
                e.getMessage());
        String text = Files.readString(RECIPES.resolve("micro.yaml"));
        Path badPixel = dir.resolve("bad-pixel.yaml");
        Files.writeString(badPixel, text.replace("  pixel: l1\n", "  pixel: l3\n"));
        e = assertThrows(IllegalArgumentException.class, () -> Recipe.load(badPixel.toString()));
        assertTrue(e.getMessage().contains("pixel: unknown value 'l3' (one of l1, l2, huber)"), e.getMessage());
        String typo = withObjectiveLines(dir, "micro", "  lecam_wieght: 0.1\n");
        e = assertThrows(IllegalArgumentException.class, () -> Recipe.load(typo));
        assertTrue(
                e.getMessage().contains("unknown key 'lecam_wieght' (did you mean 'lecam_weight'?)"), e.getMessage());
    }

    @Test
    void typesAndSpellingsAreCaseInsensitiveAndWrittenBackInRecipeSpelling(@TempDir Path dir) throws IOException {
        String text = Files.readString(RECIPES.resolve("grad-normalized-micro.yaml"));
        Path file = dir.resolve("upper-case.yaml");
        Files.writeString(
                file,
                text.replace("  type: grad-normalized\n", "  type: Grad-Normalized\n")
                        .replaceAll("gradnorm_mode: \\w+", "gradnorm_mode: PER_SAMPLE"));
        Recipe recipe = Recipe.load(file.toString());
        assertTrue(
                recipe.objective() instanceof ObjectiveSpec.GradNormalized,
                recipe.objective().toString());
        String written = recipe.toYaml();
        assertTrue(written.contains("type: \"grad-normalized\"") && written.contains("\"per_sample\""), written);
    }

    @Test
    void everyBuiltInRecipeReadsBackFromItsRunFolderCopy(@TempDir Path dir) throws IOException {
        for (String name : Recipe.BUILT_IN) {
            Recipe recipe = Recipe.load(name);
            Path file = dir.resolve(name + ".yaml");
            recipe.write(file);
            assertEquals(recipe, Recipe.load(file.toString()), name);
            String text = Files.readString(file);
            assertTrue(
                    text.contains("precision: \"fp32\"")
                            || text.contains("precision: \"bf16\"")
                            || text.contains("precision: fp32")
                            || text.contains("precision: bf16"),
                    text);
        }
    }

    @Test
    void sectionsBuiltFromTheLibraryConfigsReproduceThem() {
        VaeGanConfig vaeGan = VaeGanConfig.ldm().toBuilder()
                .r1Gamma(10)
                .lecamWeight(0.1)
                .discStart(7)
                .build();
        assertEquals(vaeGan, ObjectiveSpec.VaeGan.of(vaeGan, 0, 0).config(7));
        GradNormalizedConfig gradNormalized =
                GradNormalizedConfig.builder().pooledWeight(0.5).discStart(3).build();
        assertEquals(
                gradNormalized,
                ObjectiveSpec.GradNormalized.of(gradNormalized, 0.1, 0.2).config(3));
    }
}
