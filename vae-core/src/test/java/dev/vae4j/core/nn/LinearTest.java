package dev.vae4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LinearOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Linear}: libtorch's initialisation and parameter names, and the same values and gradients as {@code F.linear}
 * on both of its paths (the convolution path runs with two intra-op threads and enough rows).
 */
class LinearTest {
    private int threads;

    @BeforeEach
    void twoThreads() {
        threads = torch.get_num_threads();
        torch.set_num_threads(2);
    }

    @AfterEach
    void restoreThreads() {
        torch.set_num_threads(threads);
    }

    private static double maxAbs(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_double();
    }

    /**
     * Values and all three gradients of {@code layer} against F.linear on the same parameters, {@code x} computed as a
     * convolution or not as {@code convolution} says.
     */
    private static void assertLikeFunctionalLinear(Linear layer, Tensor input, boolean withBias, boolean convolution) {
        assertEquals(convolution, layer.runsAsConvolution(input));
        Tensor x = input.detach().clone().requires_grad_(true);
        Tensor y = layer.forward(x);
        Tensor upstream = torch.randn(y.sizes());
        y.mul(upstream).sum().backward();

        Tensor xRef = input.detach().clone().requires_grad_(true);
        Tensor w = layer.weight().detach().clone().requires_grad_(true);
        Tensor b = withBias ? layer.bias().detach().clone().requires_grad_(true) : null;
        Tensor yRef = torch.linear(xRef, w, b == null ? new TensorOptional() : new TensorOptional(b));
        yRef.mul(upstream).sum().backward();

        assertEquals(yRef.sizes().vec().get().length, y.sizes().vec().get().length);
        assertTrue(torch.equal(
                torch.tensor(y.sizes().vec().get()),
                torch.tensor(yRef.sizes().vec().get())));
        assertTrue(maxAbs(y, yRef) < 1e-5, "output max abs difference " + maxAbs(y, yRef));
        assertTrue(maxAbs(x.grad(), xRef.grad()) < 1e-5, "input gradient " + maxAbs(x.grad(), xRef.grad()));
        assertTrue(maxAbs(layer.weight().grad(), w.grad()) < 1e-4, "weight gradient");
        if (withBias) {
            assertTrue(maxAbs(layer.bias().grad(), b.grad()) < 1e-4, "bias gradient");
        }
    }

    @Test
    void initialisedAndNamedAsLibtorchsLinear() {
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(11);
            LinearImpl reference = new LinearImpl(new LinearOptions(24, 40));
            torch.manual_seed(11);
            Linear layer = new Linear(24, 40);
            assertTrue(torch.equal(layer.weight(), reference.weight()));
            assertTrue(torch.equal(layer.bias(), reference.bias()));
            assertEquals(2, layer.named_parameters().size());
            assertEquals("weight", layer.named_parameters().keys().get(0).getString());
            assertEquals("bias", layer.named_parameters().keys().get(1).getString());
        }
    }

    @Test
    void withoutBiasHasOnlyAWeight() {
        try (TensorScope scope = new TensorScope()) {
            Linear layer = new Linear(8, 8, false);
            assertEquals(1, layer.named_parameters().size());
            assertThrows(IllegalStateException.class, layer::bias);
        }
    }

    @Test
    void manyRowsOnTwoThreadsMatchFunctionalLinear() {
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(5);
            assertLikeFunctionalLinear(new Linear(256, 128), torch.randn(2, 150, 256), true, true);
            assertLikeFunctionalLinear(new Linear(256, 128, false), torch.randn(300, 256), false, true);
        }
    }

    @Test
    void nonContiguousInputsMatchFunctionalLinear() {
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(6);
            Tensor transposed = torch.randn(2, 256, 150).transpose(1, 2);
            assertFalse(transposed.is_contiguous());
            assertLikeFunctionalLinear(new Linear(256, 128), transposed, true, true);
        }
    }

    @Test
    void smallProductsAndOneThreadMatchFunctionalLinear() {
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(7);
            assertLikeFunctionalLinear(new Linear(384, 384), torch.randn(64, 384), true, false);
            assertLikeFunctionalLinear(new Linear(128, 128), torch.randn(128, 128), true, false);
            torch.set_num_threads(1);
            assertLikeFunctionalLinear(new Linear(256, 128), torch.randn(300, 256), true, false);
        }
    }

    @Test
    void inputWithTheWrongFeatureCountIsRejectedByName() {
        try (TensorScope scope = new TensorScope()) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> new Linear(48, 8).forward(torch.randn(4, 47)));
            assertTrue(e.getMessage().contains("48 features"), e.getMessage());
        }
    }
}
