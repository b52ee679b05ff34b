package dev.vae4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.Autocast;
import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/**
 * {@link ScaledDotProductAttention}: the dtype libtorch would return, float32 accuracy for reduced-precision inputs on
 * the CPU, autocast left as it was, gradients through the casts.
 */
class ScaledDotProductAttentionTest {
    private static Tensor[] qkv() {
        torch.manual_seed(3);
        return new Tensor[] {torch.randn(2, 2, 40, 16), torch.randn(2, 2, 40, 16), torch.randn(2, 2, 40, 16)};
    }

    private static double maxAbs(Tensor a, Tensor b) {
        return a.to(ScalarType.Float).sub(b.to(ScalarType.Float)).abs().max().item_double();
    }

    @Test
    void float32IsLibtorchsAttentionExactly() {
        try (TensorScope scope = new TensorScope()) {
            Tensor[] t = qkv();
            Tensor expected = torch.scaled_dot_product_attention(t[0], t[1], t[2]);
            assertEquals(0.0, maxAbs(ScaledDotProductAttention.of(t[0], t[1], t[2]), expected));
        }
    }

    @Test
    void bf16InputsGiveBf16OutputAsAccurateAsFloat32AttentionRounded() {
        try (TensorScope scope = new TensorScope()) {
            Tensor[] t = qkv();
            Tensor q = t[0].to(ScalarType.BFloat16);
            Tensor k = t[1].to(ScalarType.BFloat16);
            Tensor v = t[2].to(ScalarType.BFloat16);
            Tensor out = ScaledDotProductAttention.of(q, k, v);
            assertEquals(ScalarType.BFloat16.value, out.scalar_type().value);
            Tensor exact = torch.scaled_dot_product_attention(
                    q.to(ScalarType.Float), k.to(ScalarType.Float), v.to(ScalarType.Float));
            // only the final rounding to bf16 separates them: half a bf16 ulp of values below 4
            assertTrue(maxAbs(out, exact) <= 2.0 / 256, "max abs error " + maxAbs(out, exact));
        }
    }

    @Test
    void underAutocastTheOutputHasAutocastsTypeAndAutocastStaysOn() {
        try (TensorScope scope = new TensorScope();
                Autocast autocast = new Autocast(DeviceType.CPU, ScalarType.BFloat16, true)) {
            Tensor[] t = qkv();
            Tensor out = ScaledDotProductAttention.of(t[0], t[1], t[2]);
            assertEquals(ScalarType.BFloat16.value, out.scalar_type().value);
            assertTrue(torch.is_autocast_enabled(DeviceType.CPU));
            assertEquals(
                    ScalarType.BFloat16.value,
                    torch.get_autocast_dtype(DeviceType.CPU).intern().value);
        }
    }

    @Test
    void gradientsReachReducedPrecisionInputs() {
        try (TensorScope scope = new TensorScope()) {
            Tensor[] t = qkv();
            Tensor q = t[0].to(ScalarType.BFloat16).requires_grad_(true);
            ScaledDotProductAttention.of(q, t[1].to(ScalarType.BFloat16), t[2].to(ScalarType.BFloat16))
                    .sum()
                    .backward();
            assertEquals(ScalarType.BFloat16.value, q.grad().scalar_type().value);
            assertTrue(q.grad().abs().sum().item_double() > 0);
        }
    }
}
