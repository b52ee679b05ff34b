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
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * UNetGAN: parity with open-LiteVAE's code, preset sizes equal to upstream's, keys, both heads' shapes, and a short
 * training probe.
 */
@Tag("parity")
class UNetGanDiscriminatorTest {
    @BeforeAll
    static void oneThread() {
        torch.set_num_threads(1);
    }

    @ParameterizedTest
    @CsvSource({"unetgan-s, 16, 2750000", "unetgan-m, 32, 11000000", "unetgan-l, 64, 44100000"})
    void presetsHaveOpenLiteVaesExactParameterCount(String preset, int ch, long table) {
        UNetGanDiscriminator d = (UNetGanDiscriminator) DiscriminatorPresets.forInspection(preset);
        assertEquals(ch, d.config().ch());
        long params = StateDict.parameterCount(d);
        System.out.printf(
                "UNetGAN D_ch %d: %,d parameters (README %,d), %.3f GMACs at 256x256%n",
                ch, params, table, d.macs(256, 256) / 1e9);
        assertEquals(OpenLiteVaeFixtures.parameterCount(preset), params, "open-LiteVAE's Unet_Discriminator");
        assertTrue(Math.abs(params - table) <= 0.005 * table, params + " vs README " + table);
    }

    /**
     * Against open-LiteVAE's own {@code Unet_Discriminator} (D_ch 2, 256x256; tools/reference/
     * gen_litevae_discriminators.py): both train-mode heads, gradients, the power-iteration buffers after the forward,
     * and the eval-mode heads, to 1e-4 relative to each tensor's largest magnitude.
     */
    @Test
    void matchesOpenLiteVaeInTrainAndEvalMode() {
        try (TensorScope scope = new TensorScope();
                SafetensorsReader weights =
                        SafetensorsReader.open(Fixtures.dir("unetgan/tiny").resolve("weights.safetensors"));
                SafetensorsReader io =
                        SafetensorsReader.open(Fixtures.dir("unetgan/tiny").resolve("io.safetensors"))) {
            UNetGanDiscriminator d = new UNetGanDiscriminator(new UNetGanConfig(3, 2, 1e-12), 0, false);
            StateDict.load(d, TensorSource.of(weights), true, "unetgan/tiny");
            Map<String, Tensor> expected = io.loadAll();
            Tensor x = expected.get("input").to(torch.ScalarType.Float);
            d.train(true);
            UNetGanDiscriminator.Output train = d.forwardBoth(x);
            OpenLiteVaeFixtures.assertClose("unetgan train_global", expected.get("train_global"), train.global());
            OpenLiteVaeFixtures.assertClose("unetgan train_pixel", expected.get("train_pixel"), train.pixel());
            train.pixel().pow(new Scalar(2)).mean().add(train.global().sum()).backward();
            OpenLiteVaeFixtures.assertGradsAndBuffers("unetgan", d, expected);
            d.eval();
            try (NoGradGuard noGrad = new NoGradGuard()) {
                UNetGanDiscriminator.Output eval = d.forwardBoth(x);
                OpenLiteVaeFixtures.assertClose("unetgan eval_global", expected.get("eval_global"), eval.global());
                OpenLiteVaeFixtures.assertClose(
                        "unetgan eval_pixel_crop",
                        expected.get("eval_pixel_crop"),
                        eval.pixel().narrow(2, 96, 64).narrow(3, 96, 64));
            }
        }
    }

    @Test
    void keysFollowTheReference() {
        UNetGanDiscriminator d = new UNetGanDiscriminator(new UNetGanConfig(3, 4, 1e-12), 0);
        Map<String, Tensor> keys = StateDict.of(d);
        for (String key : new String[] {
            "blocks.0.0.conv1.weight",
            "blocks.0.0.conv1.bias",
            "blocks.0.0.conv1.u0",
            "blocks.0.0.conv1.sv0",
            "blocks.5.0.conv_sc.weight",
            "blocks.11.0.conv2.weight",
            "blocks.12.weight",
            "blocks.12.bias",
            "linear.weight",
            "linear.u0",
            "linear_middle.weight",
            "linear_middle.sv0"
        }) {
            assertTrue(keys.containsKey(key), key + " in " + keys.keySet());
        }
        assertArrayEquals(
                new long[] {32, 64, 3, 3},
                keys.get("blocks.7.0.conv1.weight").sizes().vec().get());
    }

    @Test
    void bothHeadsHaveTheRightShapesIncludingOddSizes() {
        UNetGanDiscriminator d = new UNetGanDiscriminator(new UNetGanConfig(3, 4, 1e-12), 1);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            for (long[] hw : new long[][] {{64, 64}, {64, 128}, {96, 160}}) {
                List<Tensor> heads = d.heads(torch.randn(2, 3, hw[0], hw[1]));
                assertEquals(2, heads.size());
                assertArrayEquals(new long[] {2, 1}, heads.get(0).sizes().vec().get());
                assertArrayEquals(
                        new long[] {2, 1, hw[0], hw[1]},
                        heads.get(1).sizes().vec().get());
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
