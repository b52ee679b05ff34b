package dev.vae4j.core.nn;

import static org.bytedeco.pytorch.global.torch.get_autocast_dtype;
import static org.bytedeco.pytorch.global.torch.is_autocast_enabled;
import static org.bytedeco.pytorch.global.torch.scaled_dot_product_attention;
import static org.bytedeco.pytorch.global.torch.set_autocast_enabled;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * libtorch's {@code scaled_dot_product_attention(q, k, v)} (no mask, no dropout, scale 1/sqrt(D)) for every attention
 * block: q (N, heads, Lq, D), k and v (N, heads, Lk, D) -> (N, heads, Lq, D), in the dtype libtorch would return
 * (autocast's, when autocast is on).
 *
 * <p>On the CPU, bf16 and fp16 attention runs in float32 and is cast back. The presets' libtorch is built with OpenBLAS
 * instead of MKL, so its CPU flash-attention kernel multiplies reduced-precision tiles with ATen's scalar fallback
 * GEMM: 745 ms for one bf16 head of 1024 tokens x 512 channels where float32 takes 25 ms (and PyTorch's MKL build 23 ms
 * in bf16); at the 4096 tokens of a 512 px SD VAE mid block that one op took most of a bf16 reconstruction. Float32
 * attention keeps flash attention's memory bound and accumulates as precisely as the bf16 kernel does (it accumulates
 * in float32 too), so results stay within the bf16 tolerances. Gradients flow through the casts.
 */
public final class ScaledDotProductAttention {
    private ScaledDotProductAttention() {}

    /** Attention of {@code q} over {@code k}/{@code v}; shapes as in the class comment. */
    public static Tensor of(Tensor q, Tensor k, Tensor v) {
        if (!q.device().is_cpu()) {
            return scaled_dot_product_attention(q, k, v);
        }
        boolean autocast = is_autocast_enabled(DeviceType.CPU);
        // intern(): the presets return a fresh enum object for a native scalar type, equal to the constant only by
        // value
        ScalarType outType = (autocast ? get_autocast_dtype(DeviceType.CPU) : q.scalar_type()).intern();
        if (!isReduced(outType) && !isReduced(q.scalar_type().intern())) {
            return scaled_dot_product_attention(q, k, v);
        }
        set_autocast_enabled(DeviceType.CPU, false);
        try {
            return scaled_dot_product_attention(q.to(ScalarType.Float), k.to(ScalarType.Float), v.to(ScalarType.Float))
                    .to(outType);
        } finally {
            set_autocast_enabled(DeviceType.CPU, autocast);
        }
    }

    private static boolean isReduced(ScalarType type) {
        return type == ScalarType.BFloat16 || type == ScalarType.Half;
    }
}
