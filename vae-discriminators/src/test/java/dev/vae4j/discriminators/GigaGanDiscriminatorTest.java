package dev.vae4j.discriminators;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** GigaGAN: parity with open-LiteVAE's code, preset size equal to upstream's, keys, head shapes, a training probe. */
@Tag("parity")
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
    void presetHasOpenLiteVaesExactParameterCount() {
        GigaGanDiscriminator d = new GigaGanDiscriminator(GigaGanConfig.openLiteVae(), 0);
        long params = StateDict.parameterCount(d);
        System.out.printf(
                "GigaGAN: %,d parameters (table 14,380,000), %.3f GMACs at 256x256%n", params, d.macs(256, 256) / 1e9);
        assertEquals(OpenLiteVaeFixtures.parameterCount("gigagan"), params, "open-LiteVAE's Descriminator");
        assertTrue(Math.abs(params - 14_380_000L) <= 0.005 * 14_380_000L, "params " + params + " vs README 14.38 M");
        Map<String, Tensor> keys = StateDict.of(d);
        for (String key : new String[] {
            "blocks.0.0.img_conv.0.weight_orig",
            "blocks.0.0.chan_conv.weight_u",
            "blocks.0.1.running_mean",
            "blocks.0.3.weight_orig",
            "blocks.3.6.norm.weight",
            "blocks.3.6.transformer_blocks.1.attn2.to_q.weight",
            "blocks.3.6.transformer_blocks.0.ff.net.0.proj.bias",
            "blocks.3.6.transformer_blocks.0.ff.net.2.weight",
            "blocks.4.6.proj_out.weight",
            "blocks.6.0.weight_orig",
            "predictors.0.main.0.conv.weight_orig",
            "predictors.0.main.0.conv.filterbias",
            "predictors.0.main.3.running_var",
            "predictors.0.main.11.weight_v",
            "predskip.5.weight_orig",
            "predskip.6.0.weight_orig",
            "predictors.6.main.11.bias"
        }) {
            assertTrue(keys.containsKey(key), key);
        }
        assertEquals(false, keys.containsKey("blocks.2.6.norm.weight"), "no attention at 32");
        assertArrayEquals(
                new long[] {1, 1024, 1024, 1, 1},
                keys.get("predictors.6.main.0.conv.weight_orig").sizes().vec().get());
    }

    /**
     * Against open-LiteVAE's own {@code Descriminator} (32 px, 3 levels of 16 / 32 / 32 channels, attention at 8,
     * 3-layer predictors; tools/reference/gen_litevae_discriminators.py): train-mode per-level logits, gradients of the
     * input and of the parameters, BatchNorm and spectral-norm buffers after the forward, eval-mode logits, to 1e-4
     * relative to each tensor's largest magnitude.
     */
    @Test
    void matchesOpenLiteVaeInTrainAndEvalMode() {
        try (TensorScope scope = new TensorScope();
                SafetensorsReader weights =
                        SafetensorsReader.open(Fixtures.dir("gigagan/tiny").resolve("weights.safetensors"));
                SafetensorsReader io =
                        SafetensorsReader.open(Fixtures.dir("gigagan/tiny").resolve("io.safetensors"))) {
            GigaGanDiscriminator d =
                    new GigaGanDiscriminator(new GigaGanConfig(3, 32, 256, 32, 1, 3, Set.of(8), 16, 0.5), 0);
            StateDict.load(d, TensorSource.of(weights), true, "gigagan/tiny");
            Map<String, Tensor> expected = io.loadAll();
            d.train(true);
            Tensor x = expected.get("input").clone().set_requires_grad(true);
            List<Tensor> heads = d.heads(x);
            assertEquals(4, heads.size());
            Tensor loss = null;
            for (int i = 0; i < heads.size(); i++) {
                OpenLiteVaeFixtures.assertClose("gigagan train_head" + i, expected.get("train_head" + i), heads.get(i));
                Tensor term =
                        heads.get(i).pow(new Scalar(2)).mean().add(heads.get(i).mean());
                loss = loss == null ? term : loss.add(term);
            }
            loss.backward();
            OpenLiteVaeFixtures.assertClose("gigagan grad_input", expected.get("grad_input"), x.grad());
            OpenLiteVaeFixtures.assertGradsAndBuffers("gigagan", d, expected);
            d.eval();
            try (NoGradGuard noGrad = new NoGradGuard()) {
                List<Tensor> eval = d.heads(expected.get("input2"));
                for (int i = 0; i < eval.size(); i++) {
                    OpenLiteVaeFixtures.assertClose(
                            "gigagan eval_head" + i, expected.get("eval_head" + i), eval.get(i));
                }
            }
        }
    }

    @Test
    void headsHaveTheReferenceSizesAndOddSizesWork() {
        GigaGanDiscriminator d = new GigaGanDiscriminator(tiny(), 1);
        d.eval(); // the global predictor's BatchNorm sees one value per channel per image: batch 1 needs eval mode
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            List<Tensor> heads = d.heads(torch.randn(2, 3, 64, 64));
            long[] sides = {33, 17, 9, 5, 1};
            assertEquals(sides.length, heads.size());
            for (int i = 0; i < sides.length; i++) {
                assertArrayEquals(
                        new long[] {2, 1, sides[i], sides[i]},
                        heads.get(i).sizes().vec().get());
            }
            assertArrayEquals(
                    new long[] {2, 33 * 33 + 17 * 17 + 81 + 25 + 1},
                    d.logits(torch.randn(2, 3, 64, 64)).sizes().vec().get());
            assertEquals(4, d.heads(torch.randn(1, 3, 32, 32)).size(), "a 32 input starts one level later");
            List<Tensor> odd = d.heads(torch.randn(2, 3, 48, 80));
            assertArrayEquals(
                    new long[] {2, 1, 25, 41}, odd.get(0).sizes().vec().get());
            assertArrayEquals(
                    new long[] {2, 1, 1, 1},
                    odd.get(odd.size() - 1).sizes().vec().get());
            var e = assertThrows(IllegalArgumentException.class, () -> d.logits(torch.zeros(1, 3, 128, 128)));
            assertTrue(e.getMessage().contains("128x128"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> d.logits(torch.zeros(1, 1, 64, 64)));
        }
    }

    @Test
    void shortHingeTrainingSeparatesRealFromBlurred() {
        // 32 px, 3 levels of 16/32/32 channels, attention at 8 (81 tokens): CPU-cheap, every component present
        GigaGanDiscriminator d =
                new GigaGanDiscriminator(new GigaGanConfig(3, 32, 256, 32, 1, 4, Set.of(8), 16, 0.5), 3);
        double accuracy = DiscriminatorTraining.trainAndMeasure(d, 3, 32, 4, 50, 1e-3, 5);
        System.out.printf("GigaGAN accuracy after 50 steps: %.3f%n", accuracy);
        assertTrue(accuracy > 0.8, "accuracy " + accuracy);
    }
}
