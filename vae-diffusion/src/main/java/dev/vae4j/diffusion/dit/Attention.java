package dev.vae4j.diffusion.dit;

import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.nn.Linear;
import dev.vae4j.core.nn.ScaledDotProductAttention;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code Attention(query_dim=D, heads, dim_head)} with {@code AttnProcessor2_0}, as a DiT block uses it
 * (self-attention, no norms): {@code to_q/to_k/to_v} (biases when {@code attention_bias}), heads of {@code dim_head}
 * channels, {@link ScaledDotProductAttention} (scale 1/sqrt(dim_head)), {@code to_out.0} (always biased), then
 * {@code to_out.1}'s dropout. Tokens (N, T, D) -> (N, T, D).
 */
final class Attention extends Module {
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final IndexedModules<Linear> toOut;
    private final long heads;
    private final long headDim;

    Attention(DiTConfig config) {
        long dim = config.innerDim();
        heads = config.numAttentionHeads();
        headDim = config.attentionHeadDim();
        toQ = register_module("to_q", new Linear(dim, dim, config.attentionBias()));
        toK = register_module("to_k", new Linear(dim, dim, config.attentionBias()));
        toV = register_module("to_v", new Linear(dim, dim, config.attentionBias()));
        toOut = register_module("to_out", new IndexedModules<>());
        toOut.add(new Linear(dim, dim));
    }

    Tensor forward(Tensor x, TrainingNoise noise) {
        long n = x.size(0);
        Tensor q = toQ.forward(x).view(n, -1, heads, headDim).transpose(1, 2);
        Tensor k = toK.forward(x).view(n, -1, heads, headDim).transpose(1, 2);
        Tensor v = toV.forward(x).view(n, -1, heads, headDim).transpose(1, 2);
        Tensor o = ScaledDotProductAttention.of(q, k, v).transpose(1, 2).reshape(n, -1, heads * headDim);
        return noise.dropout(toOut.get(0).forward(o));
    }
}
