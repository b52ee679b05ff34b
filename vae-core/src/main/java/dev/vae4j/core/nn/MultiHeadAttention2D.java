package dev.vae4j.core.nn;

import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * cloneofsimo/vqgan-training's {@code AttnBlock} (FLUX AE style): {@code x + proj_out(attn(norm(x)))} where a bias-free
 * 1x1 conv {@code qkv} makes C*3 channels, split into heads of {@code headDim} channels ({@code "b (h d) x y -> b h (x
 * y) d"}), {@link ScaledDotProductAttention} over the H*W positions (scale 1/sqrt(headDim)), heads merged back and a
 * bias-free 1x1 conv {@code proj_out} (initialised N(0, 0.2/sqrt(C)) as in the original). (N, C, H, W) -> (N, C, H, W).
 * Parameter names: {@code norm, qkv, proj_out} (the original's own).
 */
public final class MultiHeadAttention2D extends Block2D {
    private final GroupNormImpl norm;
    private final Conv2dImpl qkv;
    private final Conv2dImpl projOut;
    private final long heads;

    /**
     * @param channels C, a multiple of {@code headDim}
     * @param headDim channels per head (64 in cloneofsimo/vqgan-training)
     * @param groups GroupNorm groups
     * @param eps GroupNorm epsilon
     */
    public MultiHeadAttention2D(long channels, long headDim, long groups, double eps) {
        if (channels % headDim != 0) {
            throw new IllegalArgumentException(
                    "multi-head attention: " + channels + " channels are not divisible into heads of " + headDim);
        }
        heads = channels / headDim;
        norm = register_module("norm", Layers.groupNorm(groups, channels, eps));
        qkv = register_module("qkv", Layers.conv2dNoBias(channels, 3 * channels));
        projOut = register_module("proj_out", Layers.conv2dNoBias(channels, channels));
        try (NoGradGuard noGrad = new NoGradGuard()) {
            projOut.weight().normal_(0.0, 0.2 / Math.sqrt(channels), new GeneratorOptional());
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return TensorScope.scoped(() -> compute(x));
    }

    /** The forward pass; {@link #forward} frees its intermediate tensors when it returns. */
    private Tensor compute(Tensor x) {
        long n = x.size(0);
        long c = x.size(1);
        long h = x.size(2);
        long w = x.size(3);
        TensorVector parts = qkv.forward(norm.forward(x)).chunk(3, 1);
        Tensor q = heads(parts.get(0), n, h * w);
        Tensor k = heads(parts.get(1), n, h * w);
        Tensor v = heads(parts.get(2), n, h * w);
        Tensor o = ScaledDotProductAttention.of(q, k, v).transpose(2, 3).reshape(n, c, h, w);
        return x.add(projOut.forward(o));
    }

    /** (N, heads*d, H, W) -> (N, heads, H*W, d). */
    private Tensor heads(Tensor t, long n, long positions) {
        return t.reshape(n, heads, -1, positions).transpose(2, 3);
    }
}
