package dev.vae4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.testing.ModuleExceptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** vae-diffusion keeps vae-core's exception contract ({@link ModuleExceptions}). */
class DiffusionExceptionsTest {
    @Test
    void everyExceptionTypeOfTheModuleExtendsTheBaseType() {
        ModuleExceptions.assertAllExtendTheBaseType(Denoiser.class);
    }

    @Test
    void thePublicApiThrowsWhatTheContractSays() {
        assertTrue(ModuleExceptions.assertPublicApiFollowsTheContract(Denoiser.class, Path.of("src/main/java")) > 0);
    }
}
