package dev.vae4j.train.metrics;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feature statistics and Frechet distance against pytorch-fid 0.3.0 ({@code np.cov}, scipy {@code sqrtm}), from
 * {@code tools/reference/gen_metrics.py}: statistics to 1e-10, distance to 1e-3 relative.
 */
@Tag("parity")
class FrechetDistanceParityTest {
    private static SafetensorsReader fixture() {
        return SafetensorsReader.open(Fixtures.dir("metrics").resolve("frechet_io.safetensors"));
    }

    private static FeatureStatistics streamed(Tensor features, int batch) {
        FeatureStatistics stats = new FeatureStatistics(features.size(1));
        for (long start = 0; start < features.size(0); start += batch) {
            stats.add(features.narrow(0, start, Math.min(batch, features.size(0) - start)));
        }
        return stats;
    }

    private static void assertRelative(String label, double expected, double actual, double tolerance) {
        double rel = Math.abs(expected - actual) / Math.abs(expected);
        System.out.printf(
                "parity %-48s rel diff = %.3e (tol %.0e) margin %.1fx%n", label, rel, tolerance, tolerance / rel);
        assertTrue(rel <= tolerance, label + ": expected " + expected + ", got " + actual);
    }

    @Test
    void streamedStatisticsAndDistanceMatchPytorchFid() {
        try (TensorScope scope = new TensorScope();
                SafetensorsReader io = fixture();
                FeatureStatistics a = streamed(io.load("feat1"), 10);
                FeatureStatistics b = streamed(io.load("feat2"), 7)) {
            assertClose("fid mu", io.load("mu1"), a.mean(), 1e-10);
            assertClose("fid sigma (unbiased)", io.load("sigma1"), a.covariance(), 1e-10);
            assertClose("fid sigma 2", io.load("sigma2"), b.covariance(), 1e-10);
            double fd = FrechetDistance.of(a.mean(), a.covariance(), b.mean(), b.covariance());
            assertRelative("frechet distance", io.load("fd").item_double(), fd, 1e-3);
            double same = FrechetDistance.of(a.mean(), a.covariance(), a.mean(), a.covariance());
            assertEquals(0.0, same, 1e-9);
        }
    }

    @Test
    void rankDeficientCovariancesMatchPytorchFid() {
        try (TensorScope scope = new TensorScope();
                SafetensorsReader io = fixture();
                FeatureStatistics a = streamed(io.load("low1"), 5);
                FeatureStatistics b = streamed(io.load("low2"), 16)) {
            double fd = FrechetDistance.of(a.mean(), a.covariance(), b.mean(), b.covariance());
            assertRelative("frechet distance rank-deficient", io.load("fd_low").item_double(), fd, 1e-3);
        }
    }

    @Test
    void statisticsRoundTripThroughACacheFile(@TempDir Path dir) {
        Path file = dir.resolve("ref_stats.safetensors");
        try (TensorScope scope = new TensorScope();
                SafetensorsReader io = fixture();
                FeatureStatistics a = streamed(io.load("feat1"), 32)) {
            a.save(file, java.util.Map.of("data", "feat1"));
            assertEquals("feat1", FeatureStatistics.metadata(file).get("data"));
            assertEquals("96", FeatureStatistics.metadata(file).get("count"));
            Tensor[] loaded = FeatureStatistics.load(file);
            assertClose("cached mu", a.mean(), loaded[0], 0.0);
            assertClose("cached sigma", a.covariance(), loaded[1], 0.0);
        }
    }

    @Test
    void mismatchedInputsAreRejected(@TempDir Path dir) throws Exception {
        try (TensorScope scope = new TensorScope();
                FeatureStatistics s = new FeatureStatistics(4)) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> s.add(org.bytedeco.pytorch.global.torch.zeros(3, 5)));
            assertTrue(e.getMessage().contains("(N, 4)"), e.getMessage());
            assertThrows(IllegalStateException.class, s::covariance);
            Path bad = dir.resolve("bad.safetensors");
            Files.copy(Fixtures.dir("metrics").resolve("metrics_io.safetensors"), bad);
            IllegalArgumentException missing =
                    assertThrows(IllegalArgumentException.class, () -> FeatureStatistics.load(bad));
            assertTrue(missing.getMessage().contains("'mu'"), missing.getMessage());
        }
    }
}
