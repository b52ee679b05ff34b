package dev.vae4j.core.tensor;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/**
 * In place without autograd, new tensors (and the same gradients) with it; mixed dtypes never go in place; a new sum of
 * {@code addTo} takes its first operand's memory layout.
 */
class IntermediatesTest {
    private static Tensor input() {
        torch.manual_seed(5);
        return torch.randn(2, 3, 4, 4);
    }

    @Test
    void withoutAutogradSiluAndAddReuseTheOwnedTensor() {
        try (TensorScope scope = new TensorScope();
                InferenceMode inference = new InferenceMode()) {
            Tensor x = input();
            Tensor expected = torch.silu(x).add(x);
            Tensor owned = x.clone();
            long address = owned.data_ptr().address();
            Tensor out = Intermediates.add(Intermediates.silu(owned), x);
            assertEquals(address, out.data_ptr().address(), "not written in place");
            assertClose("in-place silu + add", expected, out, 0.0);
        }
    }

    @Test
    void withAutogradTheyAllocateAndGradientsMatch() {
        try (TensorScope scope = new TensorScope()) {
            Tensor x = input().requires_grad_(true);
            torch.silu(x.mul(new org.bytedeco.pytorch.Scalar(2.0))).add(x).sum().backward();
            Tensor expected = x.grad().clone();
            x.grad().zero_();
            Tensor owned = x.mul(new org.bytedeco.pytorch.Scalar(2.0));
            long address = owned.data_ptr().address();
            Tensor out = Intermediates.add(Intermediates.silu(owned), x);
            assertNotEquals(address, out.data_ptr().address(), "written in place under autograd");
            out.sum().backward();
            assertClose("gradient through silu + add", expected, x.grad(), 0.0);
        }
    }

    @Test
    void withAutogradAddToIsLaidOutLikeItsFirstOperand() {
        try (TensorScope scope = new TensorScope()) {
            Tensor contiguous = input();
            Tensor channelsLast = MemoryFormats.channelsLast(input().mul(new org.bytedeco.pytorch.Scalar(3.0)));
            Tensor expected = contiguous.add(channelsLast).contiguous();

            Tensor first = Intermediates.addTo(contiguous, channelsLast.clone());
            assertTrue(first.is_contiguous(), "contiguous + channels-last is not contiguous");
            assertClose("contiguous + channels-last", expected, first, 0.0);

            Tensor second = Intermediates.addTo(channelsLast, contiguous.clone());
            assertTrue(MemoryFormats.isChannelsLast(second), "channels-last + contiguous is not channels-last");
            assertClose("channels-last + contiguous", expected, second.contiguous(), 0.0);
        }
    }

    @Test
    void withoutAutogradAddToWritesIntoTheOwnedTensor() {
        try (TensorScope scope = new TensorScope();
                InferenceMode inference = new InferenceMode()) {
            Tensor x = input();
            Tensor owned = x.mul(new org.bytedeco.pytorch.Scalar(2.0));
            long address = owned.data_ptr().address();
            Tensor out = Intermediates.addTo(x, owned);
            assertEquals(address, out.data_ptr().address(), "not written in place");
            assertClose("in-place addTo", x.mul(new org.bytedeco.pytorch.Scalar(3.0)), out, 0.0);
        }
    }

    @Test
    void aDifferentDtypeIsNeverAddedInPlace() {
        try (TensorScope scope = new TensorScope();
                InferenceMode inference = new InferenceMode()) {
            Tensor half = input().to(ScalarType.BFloat16);
            Tensor full = input();
            Tensor out = Intermediates.add(half, full);
            assertEquals(ScalarType.Float.value, out.scalar_type().value);
            assertTrue(out.sub(full.mul(new org.bytedeco.pytorch.Scalar(2.0)))
                            .abs()
                            .max()
                            .item_double()
                    < 0.05);
        }
    }
}
