package dev.vae4j.train.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * {@link LatentFrechetDistance} with {@link LatentFeatureMap}: zero on identical sets (1e-6 of the traces), symmetric
 * (1e-9 relative), never negative, and a per-channel mean shift s adds exactly {@code grid^2 |s|^2} (1e-6 relative);
 * the map is the average over each grid cell.
 */
class LatentFrechetDistanceTest {
    private static Tensor latents(long seed, int n, int channels, int h, int w, double scale) {
        return torch.randn(
                        new long[] {n, channels, h, w},
                        new GeneratorOptional(torch.createCPUGenerator(seed)),
                        new TensorOptions(torch.ScalarType.Float))
                .mul(new Scalar(scale));
    }

    @Property(tries = 30)
    void identicalSetsAreAtDistanceZero(
            @ForAll @IntRange(min = 2, max = 24) int n,
            @ForAll @IntRange(min = 1, max = 4) int channels,
            @ForAll @IntRange(min = 1, max = 3) int grid,
            @ForAll @DoubleRange(min = 0.01, max = 10) double scale,
            @ForAll long seed) {
        try (TensorScope scope = new TensorScope()) {
            Tensor x = latents(seed, n, channels, 2 * grid + 1, 2 * grid, scale);
            LatentFeatureMap map = new LatentFeatureMap(grid);
            double trace =
                    map.features(x).var(new long[] {0}, true, false).sum().item_double();
            assertEquals(0.0, LatentFrechetDistance.of(x, x, map), 1e-6 * (1 + trace));
        }
    }

    @Property(tries = 30)
    void isSymmetricAndNonNegative(
            @ForAll @IntRange(min = 2, max = 24) int n,
            @ForAll @IntRange(min = 2, max = 24) int m,
            @ForAll @IntRange(min = 1, max = 4) int channels,
            @ForAll @DoubleRange(min = 0.1, max = 3) double scale,
            @ForAll long seed) {
        try (TensorScope scope = new TensorScope()) {
            Tensor a = latents(seed, n, channels, 4, 4, 1.0);
            Tensor b = latents(seed + 1, m, channels, 6, 3, scale);
            LatentFeatureMap map = LatentFeatureMap.standard();
            double ab = LatentFrechetDistance.of(a, b, map);
            double ba = LatentFrechetDistance.of(b, a, map);
            assertTrue(ab >= -1e-9 && ba >= -1e-9, "negative distance " + ab + ", " + ba);
            assertEquals(ab, ba, 1e-7 * (1 + Math.abs(ab)));
        }
    }

    @Property(tries = 30)
    void aMeanShiftAddsItsSquaredNorm(
            @ForAll @IntRange(min = 2, max = 24) int n,
            @ForAll @IntRange(min = 1, max = 4) int channels,
            @ForAll @IntRange(min = 1, max = 3) int grid,
            @ForAll @DoubleRange(min = -5, max = 5) double shift,
            @ForAll long seed) {
        try (TensorScope scope = new TensorScope()) {
            Tensor x = latents(seed, n, channels, 3 * grid, 3 * grid, 1.0);
            // channel c shifts by shift * (c + 1)
            Tensor perChannel = torch.arange(new Scalar(1), new Scalar(channels + 1), new Scalar(1))
                    .to(torch.ScalarType.Float)
                    .mul(new Scalar(shift));
            Tensor shifted = x.add(perChannel.view(1, channels, 1, 1));
            LatentFeatureMap map = new LatentFeatureMap(grid);
            double expected =
                    (double) grid * grid * perChannel.pow(new Scalar(2)).sum().item_double();
            double trace =
                    map.features(x).var(new long[] {0}, true, false).sum().item_double();
            assertEquals(expected, LatentFrechetDistance.of(x, shifted, map), 1e-6 * (1 + expected + trace));
        }
    }

    @Test
    void featuresAreCellAverages() {
        try (TensorScope scope = new TensorScope()) {
            Tensor x = torch.arange(new Scalar(0), new Scalar(16), new Scalar(1))
                    .to(torch.ScalarType.Float)
                    .view(1, 1, 4, 4);
            float[] features = new float[4];
            new LatentFeatureMap(2).features(x).contiguous().data_ptr_float().get(features);
            assertArrayEquals(new float[] {2.5f, 4.5f, 10.5f, 12.5f}, features, 0f);
            assertEquals(48, LatentFeatureMap.standard().dimension(12));
        }
    }

    @Test
    void badInputIsRefused() {
        try (TensorScope scope = new TensorScope()) {
            LatentFeatureMap map = LatentFeatureMap.standard();
            Tensor four = torch.zeros(3, 4, 4, 4);
            assertThrows(IllegalArgumentException.class, () -> new LatentFeatureMap(0));
            assertThrows(IllegalArgumentException.class, () -> map.features(torch.zeros(3, 4, 1, 4)));
            IllegalArgumentException channels = assertThrows(
                    IllegalArgumentException.class, () -> LatentFrechetDistance.of(four, torch.zeros(3, 8, 4, 4), map));
            assertTrue(channels.getMessage().contains("same channels"), channels.getMessage());
            assertThrows(
                    IllegalArgumentException.class, () -> LatentFrechetDistance.of(four, torch.zeros(1, 4, 4, 4), map));
        }
    }
}
