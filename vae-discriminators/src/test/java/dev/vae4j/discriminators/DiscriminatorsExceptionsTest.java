package dev.vae4j.discriminators;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.testing.ModuleExceptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** vae-discriminators keeps vae-core's exception contract ({@link ModuleExceptions}). */
class DiscriminatorsExceptionsTest {
    @Test
    void everyExceptionTypeOfTheModuleExtendsTheBaseType() {
        ModuleExceptions.assertAllExtendTheBaseType(PatchGanDiscriminator.class);
    }

    @Test
    void thePublicApiThrowsWhatTheContractSays() {
        assertTrue(ModuleExceptions.assertPublicApiFollowsTheContract(
                        PatchGanDiscriminator.class, Path.of("src/main/java"))
                > 0);
    }
}
