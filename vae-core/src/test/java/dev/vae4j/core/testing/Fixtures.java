package dev.vae4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;

/** Test helpers shared by the modules: fixture folders and tensor comparison with a stated tolerance. */
public final class Fixtures {
    private Fixtures() {}

    /**
     * The folder (or file) {@code fixtures/<relative>} on the test classpath; from another module's test jar it is
     * extracted to a temporary folder once.
     */
    public static Path dir(String relative) {
        URL url = Fixtures.class.getClassLoader().getResource("fixtures/" + relative);
        if (url == null) {
            throw new IllegalStateException(
                    "missing fixture fixtures/" + relative + " (regenerate with tools/reference/generate_all.sh)");
        }
        try {
            if (!"jar".equals(url.getProtocol())) {
                return Path.of(url.toURI());
            }
            return EXTRACTED.computeIfAbsent(relative, key -> extract(url, key));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final java.util.Map<String, Path> EXTRACTED = new java.util.concurrent.ConcurrentHashMap<>();

    /** Copies a fixture folder or file out of a test jar (other modules see vae-core's fixtures that way). */
    private static Path extract(URL url, String relative) {
        try (java.nio.file.FileSystem jar = java.nio.file.FileSystems.newFileSystem(url.toURI(), java.util.Map.of())) {
            Path source = jar.provider().getPath(url.toURI());
            Path target = java.nio.file.Files.createTempDirectory("vae4j-fixture-");
            if (java.nio.file.Files.isRegularFile(source)) {
                return java.nio.file.Files.copy(
                        source, target.resolve(source.getFileName().toString()));
            }
            try (java.util.stream.Stream<Path> walk = java.nio.file.Files.walk(source)) {
                for (Path p : walk.toList()) {
                    Path out = target.resolve(source.relativize(p).toString());
                    if (java.nio.file.Files.isDirectory(p)) {
                        java.nio.file.Files.createDirectories(out);
                    } else {
                        java.nio.file.Files.copy(p, out);
                    }
                }
            }
            return target;
        } catch (java.io.IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot extract fixture " + relative + " from " + url, e);
        }
    }

    /** max |expected - actual| (both converted to float64 on the CPU); shapes must agree. */
    public static double maxAbsDiff(Tensor expected, Tensor actual) {
        assertArrayEquals(expected.sizes().vec().get(), actual.sizes().vec().get(), "shape");
        if (expected.numel() == 0) {
            return 0.0;
        }
        Tensor e = expected.cpu().to(org.bytedeco.pytorch.global.torch.ScalarType.Double);
        Tensor a = actual.cpu().to(org.bytedeco.pytorch.global.torch.ScalarType.Double);
        return e.sub(a).abs().max().item_double();
    }

    /**
     * Asserts {@code max |expected - actual| <= tolerance} and returns the difference, printing it as a parity figure
     * ({@code label: max|diff| = ... margin Nx}, the margin being tolerance / difference, which
     * {@code tools/ci/parity-margins.sh} collects).
     */
    public static double assertClose(String label, Tensor expected, Tensor actual, double tolerance) {
        double diff = maxAbsDiff(expected, actual);
        System.out.printf(
                "parity %-48s max|diff| = %.3e (tol %.0e) margin %.1fx%n", label, diff, tolerance, tolerance / diff);
        assertTrue(diff <= tolerance, label + ": max|diff| " + diff + " > " + tolerance);
        return diff;
    }
}
