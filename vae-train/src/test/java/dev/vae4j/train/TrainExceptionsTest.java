package dev.vae4j.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.testing.ModuleExceptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** vae-train keeps vae-core's exception contract ({@link ModuleExceptions}). */
class TrainExceptionsTest {
    @Test
    void everyExceptionTypeOfTheModuleExtendsTheBaseType() {
        assertFalse(ModuleExceptions.assertAllExtendTheBaseType(Trainer.class).isEmpty());
    }

    @Test
    void thePublicApiThrowsWhatTheContractSays() {
        assertTrue(ModuleExceptions.assertPublicApiFollowsTheContract(Trainer.class, Path.of("src/main/java")) > 100);
    }
}
