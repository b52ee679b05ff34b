package dev.vae4j.eval;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.testing.ModuleExceptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** vae-eval keeps vae-core's exception contract ({@link ModuleExceptions}). */
class EvalExceptionsTest {
    @Test
    void everyExceptionTypeOfTheModuleExtendsTheBaseType() {
        ModuleExceptions.assertAllExtendTheBaseType(ReconstructionEvaluator.class);
    }

    @Test
    void thePublicApiThrowsWhatTheContractSays() {
        assertTrue(ModuleExceptions.assertPublicApiFollowsTheContract(
                        ReconstructionEvaluator.class, Path.of("src/main/java"))
                > 0);
    }
}
