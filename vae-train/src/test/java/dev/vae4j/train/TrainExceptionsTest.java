package dev.vae4j.train;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vae4j.core.testing.ModuleExceptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every exception type vae-train defines extends {@code Vae4jException}, as vae-core's do. */
class TrainExceptionsTest {
    @Test
    void everyExceptionTypeOfTheModuleExtendsTheBaseType() {
        List<String> names = ModuleExceptions.assertAllExtendTheBaseType(Trainer.class);
        assertFalse(names.isEmpty(), "expected vae-train's exception types");
    }
}
