package dev.vae4j.losses;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.testing.ModuleExceptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** vae-losses keeps vae-core's exception contract ({@link ModuleExceptions}). */
class LossesExceptionsTest {
    @Test
    void everyExceptionTypeOfTheModuleExtendsTheBaseType() {
        ModuleExceptions.assertAllExtendTheBaseType(Lpips.class);
    }

    @Test
    void thePublicApiThrowsWhatTheContractSays() {
        assertTrue(ModuleExceptions.assertPublicApiFollowsTheContract(Lpips.class, Path.of("src/main/java")) > 0);
    }
}
