package dev.vae4j.recipes;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.testing.ModuleExceptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** vae-recipes keeps vae-core's exception contract ({@link ModuleExceptions}). */
class RecipesExceptionsTest {
    @Test
    void everyExceptionTypeOfTheModuleExtendsTheBaseType() {
        ModuleExceptions.assertAllExtendTheBaseType(Recipe.class);
    }

    @Test
    void thePublicApiThrowsWhatTheContractSays() {
        assertTrue(ModuleExceptions.assertPublicApiFollowsTheContract(Recipe.class, Path.of("src/main/java")) > 0);
    }
}
