package dev.vae4j.discriminators;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.nn.Vgg16Features;
import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * {@link VggPyramidDiscriminator}: its keys and the H/16 logit map, logits that start at the sum of the heads' last
 * biases (zero-initialised last weights), and inputs whose sides are not multiples of 16 refused by name.
 */
class VggPyramidDiscriminatorTest {
    @Test
    void startsAtTheSumOfTheLastBiasesOnAnH16Map() {
        try (TensorScope scope = new TensorScope()) {
            VggPyramidDiscriminator disc = new VggPyramidDiscriminator(Vgg16Features.withWidthDivisor(16));
            var state = StateDict.of(disc);
            assertTrue(
                    state.containsKey("features.28.weight")
                            && state.containsKey("binary_classifier1.2.bias")
                            && state.containsKey("binary_classifier5.0.weight"),
                    state.keySet().toString());
            double biases = 0;
            for (String last : new String[] {
                "binary_classifier1.2",
                "binary_classifier2.2",
                "binary_classifier3.2",
                "binary_classifier4.0",
                "binary_classifier5.0"
            }) {
                assertEquals(0.0, state.get(last + ".weight").abs().sum().item_double(), last);
                biases += state.get(last + ".bias").item_double();
            }
            Tensor logits = disc.logits(torch.rand(2, 3, 32, 48));
            assertArrayEquals(new long[] {2, 1, 2, 3}, logits.sizes().vec().get());
            assertEquals(biases, logits.max().item_double(), 1e-6);
            assertEquals(biases, logits.min().item_double(), 1e-6);
        }
    }

    @Test
    void refusesSidesThatAreNotMultiplesOf16() {
        try (TensorScope scope = new TensorScope()) {
            VggPyramidDiscriminator disc = new VggPyramidDiscriminator(Vgg16Features.withWidthDivisor(16));
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> disc.logits(torch.rand(1, 3, 24, 32)));
            assertTrue(e.getMessage().contains("multiples of 16"), e.getMessage());
        }
    }
}
