package dev.vae4j.train.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vae4j.core.tensor.TensorScope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * {@link ChannelStatistics} over latents of mixed spatial sizes, added in any order, equals torch's mean and
 * Bessel-corrected std over all of them at once, also far from zero (offset 1e4, relative 1e-9).
 */
class ChannelStatisticsTest {
    private static double[] doubles(Tensor t) {
        double[] out = new double[(int) t.numel()];
        t.contiguous().data_ptr_double().get(out, 0, out.length);
        return out;
    }

    @Property(tries = 40)
    void equalsADirectComputationInAnyOrder(
            @ForAll @IntRange(min = 1, max = 6) int count,
            @ForAll @DoubleRange(min = -1e4, max = 1e4) double offset,
            @ForAll long seed) {
        try (TensorScope scope = new TensorScope()) {
            Random random = new Random(seed);
            GeneratorOptional generator = new GeneratorOptional(torch.createCPUGenerator(seed));
            TensorOptions floats = new TensorOptions(torch.ScalarType.Float);
            List<Tensor> latents = new ArrayList<>();
            TensorVector flat = new TensorVector();
            for (int i = 0; i < count; i++) {
                int h = 1 + random.nextInt(4);
                int w = 1 + random.nextInt(4) + (i == 0 ? 1 : 0); // two values at least
                Tensor latent = torch.randn(new long[] {3, h, w}, generator, floats)
                        .mul(new Scalar(1 + random.nextInt(3)))
                        .add(new Scalar(offset))
                        .to(torch.ScalarType.Double);
                latents.add(latent);
                flat.push_back(latent.reshape(3, -1));
            }
            Tensor all = torch.cat(flat, 1);
            Collections.shuffle(latents, random);
            ChannelStatistics statistics = new ChannelStatistics(3);
            latents.forEach(statistics::add);
            double tolerance = 1e-9 * (1 + Math.abs(offset));
            assertArrayEquals(doubles(all.mean(new long[] {1})), statistics.mean(), tolerance);
            assertArrayEquals(doubles(all.std(new long[] {1}, true, false)), statistics.std(), tolerance);
        }
    }

    @Test
    void aLatentWithOtherChannelsIsRefused() {
        try (TensorScope scope = new TensorScope()) {
            ChannelStatistics statistics = new ChannelStatistics(4);
            assertThrows(IllegalArgumentException.class, () -> statistics.add(torch.zeros(3, 2, 2)));
        }
    }
}
