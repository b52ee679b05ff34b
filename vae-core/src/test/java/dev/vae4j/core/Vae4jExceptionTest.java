package dev.vae4j.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every exception type vae-core defines extends {@link Vae4jException}, so callers can catch them all at once. */
class Vae4jExceptionTest {
    @Test
    void everyExceptionTypeOfTheModuleExtendsTheBaseType() throws IOException, URISyntaxException,
            ClassNotFoundException {
        Path classes = Path.of(Vae4jException.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> names;
        try (Stream<Path> files = Files.walk(classes)) {
            names = files.map(p -> classes.relativize(p).toString())
                    .filter(n -> n.endsWith("Exception.class") && !n.contains("$"))
                    .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
                    .toList();
        }
        assertFalse(names.size() < 8, "expected vae-core's exception types, found " + names);
        for (String name : names) {
            Class<?> type = Class.forName(name);
            assertTrue(Vae4jException.class.isAssignableFrom(type), name + " must extend Vae4jException");
        }
    }
}
