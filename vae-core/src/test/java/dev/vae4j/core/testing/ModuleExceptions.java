package dev.vae4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.Vae4jException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Checks that every exception type a module defines extends {@link Vae4jException}. */
public final class ModuleExceptions {
    private ModuleExceptions() {}

    /**
     * Asserts that every top-level {@code *Exception} class in the classes folder (or jar) holding {@code anchor}
     * extends {@link Vae4jException}; returns their names.
     */
    public static List<String> assertAllExtendTheBaseType(Class<?> anchor) {
        try {
            Path classes = Path.of(
                    anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
            List<String> names;
            try (Stream<Path> files = Files.walk(classes)) {
                names = files.map(p -> classes.relativize(p).toString())
                        .filter(n -> n.endsWith("Exception.class") && !n.contains("$"))
                        .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
                        .toList();
            }
            for (String name : names) {
                Class<?> type = Class.forName(name);
                assertTrue(Vae4jException.class.isAssignableFrom(type), name + " must extend Vae4jException");
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException | ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
