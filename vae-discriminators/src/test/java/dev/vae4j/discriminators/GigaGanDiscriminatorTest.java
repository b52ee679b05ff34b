package dev.vae4j.discriminators;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.tensor.TensorScope;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GigaGAN: preset size against open-LiteVAE's table, keys, head shapes, and a short training probe. */
class GigaGanDiscriminatorTest {
    /** A tiny configuration: 64 px, 4 levels of 16/32/32/32 channels, attention at 16 and 8 with 2 heads. */
    static GigaGanConfig tiny() {
        return new GigaGanConfig(3, 64, 512, 32, 1, 4, Set.of(8, 16), 16, 0.5);
    }

    @BeforeAll
    static void oneThread() {
        torch.set_num_threads(1);
    }

    @Test
    void presetIsWithinFivePercentOfTheTable() {
        GigaGanDiscriminator d = new GigaGanDiscriminator(GigaGanConfig.openLiteVae(), 0);
        long params = StateDict.parameterCount(d);
        System.out.printf("GigaGAN: %,d parameters (table 14,380,000), %.3f GMACs at 256x256%n", params,
                d.macs(256, 256) / 1e9);
        assertTrue(Math.abs(params - 14_380_000L) <= 0.05 * 14_380_000L, "params " + params);
        assertEquals(14_351_182L, params, "the recount of the published code (shared/reference/litevae.md)");
        Map<String, Tensor> keys = StateDict.of(d);
        for (String key : new String[] {"blocks.0.0.img_conv.0.weight_orig", "blocks.0.0.chan_conv.weight_u",
                "blocks.0.1.running_mean", "blocks.0.3.weight_orig", "blocks.3.6.norm.weight",
                "blocks.3.6.transformer_blocks.1.attn2.to_q.weight", "blocks.3.6.transformer_blocks.0.ff.net.0.proj.bias",
                "blocks.3.6.transformer_blocks.0.ff.net.2.weight", "blocks.4.6.proj_out.weight",
                "blocks.6.0.weight_orig", "predictors.0.main.0.conv.weight_orig", "predictors.0.main.0.conv.filterbias",
                "predictors.0.main.3.running_var", "predictors.0.main.11.weight_v", "predskip.5.weight_orig",
                "predskip.6.0.weight_orig", "predictors.6.main.11.bias"}) {
            assertTrue(keys.containsKey(key), key);
        }
        assertEquals(false, keys.containsKey("blocks.2.6.norm.weight"), "no attention at 32");
        assertArrayEquals(new long[] {1, 1024, 1024, 1, 1},
                keys.get("predictors.6.main.0.conv.weight_orig").sizes().vec().get());
    }

    @Test
    void headsHaveTheReferenceSizesAndOddSizesWork() {
        GigaGanDiscriminator d = new GigaGanDiscriminator(tiny(), 1);
        d.eval(); // the global predictor's BatchNorm sees one value per channel per image: batch 1 needs eval mode
        try (TensorScope scope = new TensorScope(); NoGradGuard noGrad = new NoGradGuard()) {
            List<Tensor> heads = d.heads(torch.randn(2, 3, 64, 64));
            long[] sides = {33, 17, 9, 5, 1};
            assertEquals(sides.length, heads.size());
            for (int i = 0; i < sides.length; i++) {
                assertArrayEquals(new long[] {2, 1, sides[i], sides[i]}, heads.get(i).sizes().vec().get());
            }
            assertArrayEquals(new long[] {2, 33 * 33 + 17 * 17 + 81 + 25 + 1},
                    d.logits(torch.randn(2, 3, 64, 64)).sizes().vec().get());
            assertEquals(4, d.heads(torch.randn(1, 3, 32, 32)).size(), "a 32 input starts one level later");
            List<Tensor> odd = d.heads(torch.randn(2, 3, 48, 80));
            assertArrayEquals(new long[] {2, 1, 25, 41}, odd.get(0).sizes().vec().get());
            assertArrayEquals(new long[] {2, 1, 1, 1}, odd.get(odd.size() - 1).sizes().vec().get());
            var e = assertThrows(IllegalArgumentException.class, () -> d.logits(torch.zeros(1, 3, 128, 128)));
            assertTrue(e.getMessage().contains("128x128"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> d.logits(torch.zeros(1, 1, 64, 64)));
        }
    }

    @Test
    void shortHingeTrainingSeparatesRealFromBlurred() {
        // 32 px, 3 levels of 16/32/32 channels, attention at 8 (81 tokens): CPU-cheap, every component present
        GigaGanDiscriminator d = new GigaGanDiscriminator(
                new GigaGanConfig(3, 32, 256, 32, 1, 4, Set.of(8), 16, 0.5), 3);
        double accuracy = DiscriminatorTraining.trainAndMeasure(d, 3, 32, 4, 50, 1e-3, 5);
        System.out.printf("GigaGAN accuracy after 50 steps: %.3f%n", accuracy);
        assertTrue(accuracy > 0.8, "accuracy " + accuracy);
    }
}
