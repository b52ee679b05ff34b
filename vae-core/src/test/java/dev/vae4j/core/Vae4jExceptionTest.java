package dev.vae4j.core;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vae4j.core.testing.ModuleExceptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every exception type vae-core defines extends {@link Vae4jException}, so callers can catch them all at once. */
class Vae4jExceptionTest {
    @Test
    void everyExceptionTypeOfTheModuleExtendsTheBaseType() {
        List<String> names = ModuleExceptions.assertAllExtendTheBaseType(Vae4jException.class);
        assertFalse(names.size() < 6, "expected vae-core's exception types, found " + names);
    }
}
