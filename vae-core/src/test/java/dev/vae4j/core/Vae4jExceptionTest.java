package dev.vae4j.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.testing.ModuleExceptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * vae-core keeps the exception contract: every exception type it defines extends {@link Vae4jException}, and its public
 * API declares and documents only vae4j exceptions and argument or state errors.
 */
class Vae4jExceptionTest {
    @Test
    void everyExceptionTypeOfTheModuleExtendsTheBaseType() {
        List<String> names = ModuleExceptions.assertAllExtendTheBaseType(Vae4jException.class);
        assertFalse(names.size() < 8, "expected vae-core's exception types, found " + names);
    }

    @Test
    void thePublicApiThrowsWhatTheContractSays() {
        int checked =
                ModuleExceptions.assertPublicApiFollowsTheContract(Vae4jException.class, Path.of("src/main/java"));
        assertTrue(checked > 500, "checked " + checked);
    }
}
