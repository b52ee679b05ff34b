package dev.vae4j.discriminators;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.tensor.TensorScope;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** UNetGAN: preset sizes against open-LiteVAE's table, keys, both heads' shapes, and a short training probe. */
class UNetGanDiscriminatorTest {
    @BeforeAll
    static void oneThread() {
        torch.set_num_threads(1);
    }

    @ParameterizedTest
    @CsvSource({"16, 2757000", "32, 11020000", "64, 44070000"})
    void presetsAreWithinTwoPercentOfTheTable(int ch, long table) {
        UNetGanDiscriminator d = new UNetGanDiscriminator(new UNetGanConfig(3, ch, 1e-12), 0, false);
        long params = StateDict.parameterCount(d);
        System.out.printf("UNetGAN D_ch %d: %,d parameters (table %,d), %.3f GMACs at 256x256%n", ch, params,
                table, d.macs(256, 256) / 1e9);
        assertTrue(Math.abs(params - table) <= 0.02 * table, params + " vs " + table);
    }

    @Test
    void keysFollowTheReference() {
        UNetGanDiscriminator d = new UNetGanDiscriminator(new UNetGanConfig(3, 4, 1e-12), 0);
        Map<String, Tensor> keys = StateDict.of(d);
        for (String key : new String[] {"blocks.0.0.conv1.weight", "blocks.0.0.conv1.bias", "blocks.0.0.conv1.u0",
                "blocks.0.0.conv1.sv0", "blocks.5.0.conv_sc.weight", "blocks.11.0.conv2.weight", "blocks.12.weight",
                "blocks.12.bias", "linear.weight", "linear.u0", "linear_middle.weight", "linear_middle.sv0"}) {
            assertTrue(keys.containsKey(key), key + " in " + keys.keySet());
        }
        assertArrayEquals(new long[] {32, 64, 3, 3}, keys.get("blocks.7.0.conv1.weight").sizes().vec().get());
    }

    @Test
    void bothHeadsHaveTheRightShapesIncludingOddSizes() {
        UNetGanDiscriminator d = new UNetGanDiscriminator(new UNetGanConfig(3, 4, 1e-12), 1);
        try (TensorScope scope = new TensorScope(); NoGradGuard noGrad = new NoGradGuard()) {
            for (long[] hw : new long[][] {{64, 64}, {64, 128}, {96, 160}}) {
                List<Tensor> heads = d.heads(torch.randn(2, 3, hw[0], hw[1]));
                assertEquals(2, heads.size());
                assertArrayEquals(new long[] {2, 1}, heads.get(0).sizes().vec().get());
                assertArrayEquals(new long[] {2, 1, hw[0], hw[1]}, heads.get(1).sizes().vec().get());
            }
            var e = assertThrows(IllegalArgumentException.class, () -> d.logits(torch.zeros(1, 3, 32, 64)));
            assertTrue(e.getMessage().contains("32x64"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> d.logits(torch.zeros(1, 1, 64, 64)));
        }
    }

    @Test
    void shortHingeTrainingOnBothHeadsSeparatesRealFromBlurred() {
        UNetGanDiscriminator d = new UNetGanDiscriminator(new UNetGanConfig(3, 4, 1e-12), 3);
        double accuracy = DiscriminatorTraining.trainAndMeasure(d, 3, 64, 4, 50, 1e-3, 5);
        System.out.printf("UNetGAN accuracy after 50 steps: %.3f%n", accuracy);
        assertTrue(accuracy > 0.8, "accuracy " + accuracy);
    }
}
