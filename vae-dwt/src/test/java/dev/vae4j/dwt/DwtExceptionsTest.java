package dev.vae4j.dwt;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.testing.ModuleExceptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** vae-dwt keeps vae-core's exception contract ({@link ModuleExceptions}). */
class DwtExceptionsTest {
    @Test
    void everyExceptionTypeOfTheModuleExtendsTheBaseType() {
        ModuleExceptions.assertAllExtendTheBaseType(HaarDwt.class);
    }

    @Test
    void thePublicApiThrowsWhatTheContractSays() {
        assertTrue(ModuleExceptions.assertPublicApiFollowsTheContract(HaarDwt.class, Path.of("src/main/java")) > 0);
    }
}
