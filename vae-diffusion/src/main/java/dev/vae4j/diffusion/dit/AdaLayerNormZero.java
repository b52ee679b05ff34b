package dev.vae4j.diffusion.dit;

import static org.bytedeco.pytorch.global.torch.layer_norm;
import static org.bytedeco.pytorch.global.torch.silu;

import dev.vae4j.core.nn.Linear;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;

/**
 * diffusers' {@code AdaLayerNormZero(D, num_embeddings)} (adaLN-Zero): its own conditioning embedder {@code emb} (every
 * DiT block has one, unlike the DiT paper's single shared embedder) and {@code linear}, which maps {@code silu(emb)} to
 * six (N, D) modulations: shift, scale and gate of the attention branch, then of the feed-forward branch.
 */
final class AdaLayerNormZero extends Module {
    /** Epsilon of the parameter-free LayerNorms of adaLN and the output head (diffusers hard-codes 1e-6). */
    static final double EPS = 1e-6;

    private final CombinedTimestepLabelEmbeddings emb;
    private final Linear linear;
    private final long dim;

    AdaLayerNormZero(int dim, int numClasses) {
        this.dim = dim;
        emb = register_module("emb", new CombinedTimestepLabelEmbeddings(numClasses, dim));
        linear = register_module("linear", new Linear(dim, 6L * dim));
    }

    /** The conditioning embedder. */
    CombinedTimestepLabelEmbeddings emb() {
        return emb;
    }

    /** The six modulations (N, D) each: shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp. */
    TensorVector modulations(Tensor timesteps, Tensor labels, TrainingNoise noise) {
        return linear.forward(silu(emb.forward(timesteps, labels, noise))).chunk(6, 1);
    }

    /** {@code layer_norm(x) * (1 + scale) + shift} over tokens (N, T, D), shift and scale (N, D), no affine. */
    static Tensor modulate(Tensor x, Tensor shift, Tensor scale, long dim) {
        Tensor normed = layer_norm(x, new long[] {dim}, new TensorOptional(), new TensorOptional(), EPS, false);
        return normed.mul(scale.unsqueeze(1).add(new Scalar(1.0))).add(shift.unsqueeze(1));
    }

    /** {@link #modulate} with this norm's width. */
    Tensor modulate(Tensor x, Tensor shift, Tensor scale) {
        return modulate(x, shift, scale, dim);
    }
}
