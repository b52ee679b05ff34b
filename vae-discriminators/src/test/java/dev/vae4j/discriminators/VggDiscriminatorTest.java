package dev.vae4j.discriminators;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.nn.Vgg16Features;
import dev.vae4j.core.tensor.TensorScope;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * cloneofsimo/vqgan-training's VGG discriminator: size, keys, zero-init head, shapes, frozen/trainable trunk and
 * training probe.
 */
@Tag("parity")
class VggDiscriminatorTest {
    @BeforeAll
    static void oneThread() {
        torch.set_num_threads(1);
    }

    @Test
    void realTrunkSizeKeysAndShapes() {
        VggDiscriminator d = VggDiscriminator.vgg16(true);
        assertEquals(1_735_744L, StateDict.parameterCount(d));
        Map<String, Tensor> keys = StateDict.of(d);
        assertTrue(
                keys.containsKey("features.0.weight")
                        && keys.containsKey("features.14.bias")
                        && keys.containsKey("head.weight"),
                keys.keySet().toString());
        assertFalse(keys.containsKey("features.17.weight"), "layers past relu3_3 are not part of the discriminator");
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            Tensor logits = d.logits(torch.randn(1, 3, 96, 160));
            assertArrayEquals(new long[] {1, 1, 24, 40}, logits.sizes().vec().get());
            assertClose("zero-initialised head", torch.zeros(1, 1, 24, 40), logits, 0.0);
            assertThrows(IllegalArgumentException.class, () -> d.logits(torch.zeros(1, 1, 64, 64)));
        }
    }

    @ParameterizedTest
    @CsvSource({"false", "true"})
    void shortHingeTrainingSeparatesRealFromBlurred(boolean trunkTrainable) {
        VggDiscriminator d = new VggDiscriminator(Vgg16Features.withWidthDivisor(8), trunkTrainable);
        Tensor before = d.features().conv(0).weight().clone();
        double[] accuracy = DiscriminatorTraining.train(d, 3, 32, 8, 50, 1e-3, 9);
        System.out.printf(
                "VGG (trunk trainable=%s) after 50 steps: sign accuracy %.3f, ranking accuracy %.3f%n",
                trunkTrainable, accuracy[0], accuracy[1]);
        // the original's head has no bias, so after 50 steps its threshold need not sit at 0: judged by ranking
        // (a frozen-and-zero or broken discriminator ties everything and scores 0)
        assertTrue(accuracy[1] > 0.8, "accuracy " + java.util.Arrays.toString(accuracy));
        boolean trunkMoved = !torch.equal(before, d.features().conv(0).weight());
        assertEquals(trunkTrainable, trunkMoved, "trunk trained iff trainable");
    }
}
