package dev.vae4j.core.nn;

import dev.vae4j.core.tensor.TensorScope;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * Single-head spatial self-attention of the SD VAE mid block (diffusers {@code Attention} with
 * {@code AttnProcessor2_0}): GroupNorm, q/k/v linear projections over the channel dimension,
 * {@link ScaledDotProductAttention} over the H*W positions (scale 1/sqrt(C)), output projection and residual add. (N,
 * C, H, W) -> (N, C, H, W). Parameter names: {@code group_norm, to_q, to_k, to_v, to_out.0}; with a spatial
 * {@link Normalization} ({@code spatial_norm_dim}) {@code spatial_norm} in place of {@code group_norm}.
 */
public final class SelfAttention2D extends Block2D {
    private final UnaryOperator<Tensor> norm;
    private final boolean spatialNorm;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final IndexedModules<Linear> toOut;

    /**
     * @param channels C (the head dimension: one head)
     * @param normalization the norm before the projections
     */
    public SelfAttention2D(long channels, Normalization normalization) {
        norm = normalization.register(this, normalization.attentionName(), channels);
        spatialNorm = normalization.spatial();
        toQ = register_module("to_q", new Linear(channels, channels));
        toK = register_module("to_k", new Linear(channels, channels));
        toV = register_module("to_v", new Linear(channels, channels));
        toOut = register_module("to_out", new IndexedModules<>());
        toOut.add(new Linear(channels, channels));
    }

    /** (N, C, H, W) -> (N, C, H, W). */
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
        // Same op sequence (views, transposes) as diffusers so the same kernels are chosen.
        Tensor normed = spatialNorm ? norm.apply(x).reshape(n, c, h * w) : norm.apply(x.view(n, c, h * w));
        Tensor tokens = normed.transpose(1, 2);
        Tensor q = toQ.forward(tokens).view(n, -1, 1, c).transpose(1, 2);
        Tensor k = toK.forward(tokens).view(n, -1, 1, c).transpose(1, 2);
        Tensor v = toV.forward(tokens).view(n, -1, 1, c).transpose(1, 2);
        Tensor o = ScaledDotProductAttention.of(q, k, v).transpose(1, 2).reshape(n, -1, c);
        o = toOut.get(0).forward(o);
        return o.transpose(-1, -2).reshape(n, c, h, w).add(x);
    }
}
