package dev.vae4j.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Stage2LatentSpace}: {@code toAutoencoderSpace} inverts the cache's scaling and the recipe's channel
 * normalisation (within 1e-5 relative, fp32) for any scale, shift and channel statistics; the record survives its JSON
 * file; a run folder without it and channel_stats without statistics are clear errors.
 */
class Stage2LatentSpaceTest {
    private static Stage2LatentSpace space(String norm, double scale, double shift, double[] mean, double[] std) {
        return new Stage2LatentSpace(3, 4, 8, 2, List.of("a", "b"), norm, mean, std, scale, shift, "abc");
    }

    @Property(tries = 30)
    void toAutoencoderSpaceInvertsTheTrainingNormalisation(
            @ForAll @DoubleRange(min = 0.05, max = 5) double scale,
            @ForAll @DoubleRange(min = -2, max = 2) double shift,
            @ForAll @DoubleRange(min = -1, max = 1) double meanBase,
            @ForAll @DoubleRange(min = 0.2, max = 3) double stdBase,
            @ForAll boolean channelStats,
            @ForAll @LongRange(min = 0, max = 1000) long seed) {
        double[] mean = {meanBase, -meanBase / 2, meanBase + 0.3};
        double[] std = {stdBase, stdBase * 1.5, 1 / stdBase};
        Stage2LatentSpace space = space(channelStats ? "channel_stats" : "vae_scaling", scale, shift, mean, std);
        try (TensorScope scope = new TensorScope()) {
            Generator generator = torch.createCPUGenerator(seed);
            Tensor z = torch.randn(
                    new long[] {2, 3, 4, 4},
                    new GeneratorOptional(generator),
                    new TensorOptions(torch.ScalarType.Float));
            Tensor cached = LatentNormalizer.of(scale, shift).normalize(z);
            Tensor trained = channelStats ? cached.sub(column(mean)).div(column(std)) : cached;
            Tensor back = space.toAutoencoderSpace(trained);
            double error = back.sub(z).abs().max().item_double();
            double size = z.abs().max().item_double() + Math.abs(shift) + 1;
            assertTrue(error <= 1e-5 * size, "max abs error " + error);
        }
    }

    private static Tensor column(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return torch.tensor(floats).view(1, values.length, 1, 1);
    }

    @Test
    void theRecordSurvivesItsFile(@TempDir Path dir) {
        Stage2LatentSpace written = space("channel_stats", 0.5, 0.25, new double[] {1, 2, 3}, new double[] {4, 5, 6});
        written.write(dir);
        Stage2LatentSpace read = Stage2LatentSpace.read(dir);
        assertArrayEquals(new long[] {3, 4, 4}, read.shape());
        assertEquals(8, read.downsamplingFactor());
        assertEquals(2, read.classes());
        assertEquals(List.of("a", "b"), read.classNames());
        assertEquals("channel_stats", read.latentNorm());
        assertArrayEquals(new double[] {1, 2, 3}, read.channelMean());
        assertArrayEquals(new double[] {4, 5, 6}, read.channelStd());
        assertEquals(0.5, read.scalingFactor());
        assertEquals(0.25, read.shiftFactor());
        assertEquals("abc", read.modelWeights());
        Stage2LatentSpace unknown = new Stage2LatentSpace(3, 4, 8, 0, null, "vae_scaling", null, null, 1, 0, null);
        unknown.write(dir);
        assertNull(Stage2LatentSpace.read(dir).modelWeights());
    }

    @Test
    void aMissingRecordAndChannelStatsWithoutStatisticsAreRefused(@TempDir Path dir) throws IOException {
        FileAccessException missing = assertThrows(FileAccessException.class, () -> Stage2LatentSpace.read(dir));
        assertTrue(missing.getMessage().contains("has no " + Stage2LatentSpace.FILE_NAME), missing.getMessage());
        IllegalArgumentException noStats =
                assertThrows(IllegalArgumentException.class, () -> space("channel_stats", 1, 0, null, null));
        assertTrue(noStats.getMessage().contains("needs 3 channel means"), noStats.getMessage());
        Files.writeString(dir.resolve(Stage2LatentSpace.FILE_NAME), "{\"channels\": \"x\"}");
        assertThrows(dev.vae4j.core.model.ConfigFormatException.class, () -> Stage2LatentSpace.read(dir));
    }
}
