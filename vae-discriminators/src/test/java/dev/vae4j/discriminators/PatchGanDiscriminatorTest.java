package dev.vae4j.discriminators;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * PatchGAN against taming's {@code NLayerDiscriminator} (fixtures of {@code tools/reference/gen_discriminators.py}):
 * train-mode output and input gradient, updated BatchNorm running statistics / ActNorm first-forward initialisation,
 * eval-mode output, all to 1e-5; plus the full preset's size and a short training probe.
 */
@Tag("parity")
class PatchGanDiscriminatorTest {
    private static final double TOLERANCE = 1e-5;

    @ParameterizedTest
    @CsvSource({"bn_ndf8_l3, 3, 8, 3, false", "bn_ndf16_l2_gray_odd, 1, 16, 2, false", "actnorm_ndf8_l3, 3, 8, 3, true"
    })
    void matchesTamingInTrainAndEvalMode(String name, int in, int ndf, int layers, boolean actNorm) {
        Path dir = Fixtures.dir("patchgan/" + name);
        try (TensorScope scope = new TensorScope();
                SafetensorsReader weights = SafetensorsReader.open(dir.resolve("weights.safetensors"));
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            PatchGanDiscriminator d = new PatchGanDiscriminator(new PatchGanConfig(in, ndf, layers, actNorm), 1);
            StateDict.load(d, TensorSource.of(weights), true, name);
            Map<String, Tensor> expected = io.loadAll();
            d.train(true);
            Tensor x = expected.get("input").clone().set_requires_grad(true);
            Tensor out = d.forward(x);
            assertClose(name + " train_out", expected.get("train_out"), out, TOLERANCE);
            out.mul(expected.get("probe")).sum().backward();
            assertClose(name + " train_grad_input", expected.get("train_grad_input"), x.grad(), TOLERANCE);
            for (Map.Entry<String, Tensor> e : StateDict.of(d).entrySet()) {
                Tensor want = expected.get("after." + e.getKey());
                assertTrue(want != null, "fixture lacks " + e.getKey());
                // relative above 1: ActNorm's first-forward scale 1/std reaches ~80, where a float32 ulp is 7.6e-6;
                // its last bits depend on the CPU's reduction order (2 ulps = 1.5e-5 on this machine, also at main)
                double scale = Math.max(1.0, want.abs().max().item_double());
                assertClose(
                        name + " after." + e.getKey(),
                        want.to(torch.ScalarType.Double),
                        e.getValue().to(torch.ScalarType.Double),
                        TOLERANCE * scale);
            }
            d.eval();
            try (NoGradGuard noGrad = new NoGradGuard()) {
                assertClose(name + " eval_out", expected.get("eval_out"), d.forward(expected.get("input2")), TOLERANCE);
            }
        }
    }

    @Test
    void actNormInitialisesOnlyOnceAndOnlyInTraining() {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            ActNorm norm = new ActNorm(4);
            norm.eval();
            norm.forward(torch.randn(2, 4, 5, 5));
            assertFalse(norm.isInitialized(), "eval-mode forward must not initialise");
            norm.train(true);
            Tensor x = torch.randn(3, 4, 6, 7).mul(new org.bytedeco.pytorch.Scalar(3.0));
            Tensor y = norm.forward(x);
            assertTrue(norm.isInitialized());
            Tensor perChannel = y.permute(1, 0, 2, 3).reshape(4, -1);
            assertClose(
                    "actnorm mean",
                    torch.zeros(4),
                    perChannel.mean(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional()),
                    1e-5);
            assertClose("actnorm std", torch.ones(4), perChannel.std(new long[] {1}, true, false), 1e-5);
            Tensor again = norm.forward(x.add(new org.bytedeco.pytorch.Scalar(5.0)));
            assertClose(
                    "actnorm not re-initialised",
                    y.add(norm.named_parameters().get("scale").mul(new org.bytedeco.pytorch.Scalar(5.0))),
                    again,
                    1e-4);
        }
    }

    @Test
    void tamingPresetHasTheReferenceSizeAndKeys() {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            PatchGanDiscriminator d = new PatchGanDiscriminator(PatchGanConfig.taming(), 0);
            assertEquals(2_765_633L, StateDict.parameterCount(d));
            assertEquals(
                    2_766_529L,
                    StateDict.parameterCount(new PatchGanDiscriminator(new PatchGanConfig(3, 64, 3, true), 0)));
            assertArrayEquals(new long[] {1, 30}, new long[] {1, d.outputSize(256, 256)[0]});
            assertEquals(3_146_809_344L, d.macs(256, 256));
            Map<String, Tensor> keys = StateDict.of(d);
            for (String key : new String[] {
                "main.0.weight",
                "main.0.bias",
                "main.2.weight",
                "main.3.weight",
                "main.3.running_mean",
                "main.3.num_batches_tracked",
                "main.8.weight",
                "main.9.running_var",
                "main.11.weight",
                "main.11.bias"
            }) {
                assertTrue(keys.containsKey(key), key + " in " + keys.keySet());
            }
            assertFalse(keys.containsKey("main.2.bias"), "BatchNorm convs have no bias");
            d.eval();
            assertArrayEquals(
                    new long[] {1, 1, 30, 30},
                    d.logits(torch.zeros(1, 3, 256, 256)).sizes().vec().get());
        }
    }

    @Test
    void oddSizesAndBadInputs() {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            PatchGanDiscriminator d = new PatchGanDiscriminator(new PatchGanConfig(3, 8, 3, false), 0);
            d.eval();
            assertArrayEquals(
                    new long[] {2, 1, 10, 18},
                    d.logits(torch.zeros(2, 3, 96, 160)).sizes().vec().get());
            assertArrayEquals(new long[] {10, 18}, d.outputSize(96, 160));
            var e = assertThrows(IllegalArgumentException.class, () -> d.logits(torch.zeros(2, 1, 64, 64)));
            assertTrue(e.getMessage().contains("[2, 1, 64, 64]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> d.logits(torch.zeros(1, 3, 16, 16)));
        }
    }

    @ParameterizedTest
    @CsvSource({"false", "true"})
    void shortHingeTrainingSeparatesRealFromBlurred(boolean actNorm) {
        PatchGanDiscriminator d = new PatchGanDiscriminator(new PatchGanConfig(3, 16, 3, actNorm), 7);
        double accuracy = DiscriminatorTraining.trainAndMeasure(d, 3, 32, 8, 50, actNorm ? 2e-3 : 2e-4, 11);
        System.out.printf("PatchGAN (actNorm=%s) accuracy after 50 steps: %.3f%n", actNorm, accuracy);
        assertTrue(accuracy > 0.8, "accuracy " + accuracy);
    }
}
