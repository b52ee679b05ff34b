package dev.vae4j.diffusion.unet;

import dev.vae4j.core.nn.Block2D;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.nn.ScaledDotProductAttention;
import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * stanipov/pytorch-diffusion's {@code Residual(PreNorm(dim, Attention(dim, heads, dim_head)))}, the UNet's mid
 * attention: {@code x + to_out(attn(norm(x)))} with {@code norm} GroupNorm(1) (eps 1e-5), a bias-free 1x1 conv
 * {@code to_qkv} to 3 * heads * dim_head channels split as {@code "b (h c) x y -> b h c (x y)"}, softmax attention over
 * the H*W positions with scale dim_head^-1/2 ({@code scaled_dot_product_attention}; upstream subtracts the row maximum
 * first, which the softmax does not see), heads merged back and {@code to_out} a 1x1 conv with bias. (N, C, H, W) ->
 * (N, C, H, W). Parameter names: {@code fn.fn.to_qkv, fn.fn.to_out, fn.norm} (upstream's).
 */
final class ResidualAttention extends Block2D {
    private final Module preNorm;
    private final Module attention;
    private final Conv2dImpl toQkv;
    private final Conv2dImpl toOut;
    private final GroupNormImpl norm;
    private final long heads;

    ResidualAttention(long channels, long heads, long headDim) {
        this.heads = heads;
        long hidden = heads * headDim;
        preNorm = register_module("fn", new Module());
        attention = preNorm.register_module("fn", new Module());
        toQkv = attention.register_module("to_qkv", Layers.conv2dNoBias(channels, 3 * hidden));
        toOut = attention.register_module("to_out", Layers.conv2d(hidden, channels, 1, 1, 0));
        norm = preNorm.register_module("norm", Layers.groupNorm(1, channels, Layers.TORCH_NORM_EPS));
    }

    @Override
    public Tensor forward(Tensor x) {
        return TensorScope.scoped(() -> {
            long n = x.size(0);
            long h = x.size(2);
            long w = x.size(3);
            TensorVector parts = toQkv.forward(norm.forward(x)).chunk(3, 1);
            Tensor q = headsFirst(parts.get(0), n, h * w);
            Tensor k = headsFirst(parts.get(1), n, h * w);
            Tensor v = headsFirst(parts.get(2), n, h * w);
            Tensor out = ScaledDotProductAttention.of(q, k, v).transpose(2, 3).reshape(n, -1, h, w);
            return toOut.forward(out).add(x);
        });
    }

    /** (N, heads*d, H, W) -> (N, heads, H*W, d). */
    private Tensor headsFirst(Tensor t, long n, long positions) {
        return t.reshape(n, heads, -1, positions).transpose(2, 3);
    }
}
