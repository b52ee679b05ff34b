package dev.vae4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;

/** Test helpers shared by the modules: fixture folders and tensor comparison with a stated tolerance. */
public final class Fixtures {
    private Fixtures() {
    }

    /** The folder {@code fixtures/<relative>} on the test classpath. */
    public static Path dir(String relative) {
        URL url = Fixtures.class.getClassLoader().getResource("fixtures/" + relative);
        if (url == null) {
            throw new IllegalStateException("missing fixture fixtures/" + relative
                    + " (regenerate with tools/reference/generate_all.sh)");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
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
     * Asserts {@code max |expected - actual| <= tolerance} and returns the difference, printing it as a parity
     * figure ({@code label: max|diff| = ...}).
     */
    public static double assertClose(String label, Tensor expected, Tensor actual, double tolerance) {
        double diff = maxAbsDiff(expected, actual);
        System.out.printf("parity %-48s max|diff| = %.3e (tol %.0e)%n", label, diff, tolerance);
        assertTrue(diff <= tolerance, label + ": max|diff| " + diff + " > " + tolerance);
        return diff;
    }
}
