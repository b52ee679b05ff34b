package dev.vae4j.diffusion.dit;

import static org.bytedeco.pytorch.global.torch.layer_norm;

import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LayerNormOptions;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;

/**
 * diffusers' {@code BasicTransformerBlock} with {@code norm_type="ada_norm_zero"} and no cross-attention, as DiT builds
 * it: {@code x += gate_msa * attn1(adaLN(x))}, {@code x += gate_mlp * ff(norm3(x) * (1 + scale_mlp) + shift_mlp)}.
 * Children {@code norm1} (adaLN-Zero with its own conditioning embedder), {@code attn1}, {@code norm3} (parameters only
 * with {@code norm_elementwise_affine}), {@code ff}. Tokens (N, T, D) -> (N, T, D).
 */
final class DiTBlock extends Module {
    private final AdaLayerNormZero norm1;
    private final Attention attn1;
    private final LayerNormImpl norm3;
    private final FeedForward ff;
    private final long dim;
    private final double normEps;

    DiTBlock(DiTConfig config) {
        dim = config.innerDim();
        normEps = config.normEps();
        norm1 = register_module("norm1", new AdaLayerNormZero(config.innerDim(), config.numEmbedsAdaNorm()));
        attn1 = register_module("attn1", new Attention(config));
        norm3 = config.normElementwiseAffine() ? register_module("norm3", affineNorm(dim, normEps)) : null;
        ff = register_module("ff", new FeedForward(config));
    }

    private static LayerNormImpl affineNorm(long dim, double eps) {
        LayerNormOptions options = new LayerNormOptions(new LongVector(new long[] {dim}));
        options.eps().put(eps);
        return new LayerNormImpl(options);
    }

    /** The adaLN-Zero norm whose conditioning embedder DiT's output head reuses. */
    AdaLayerNormZero norm1() {
        return norm1;
    }

    Tensor forward(Tensor x, Tensor timesteps, Tensor labels, TrainingNoise noise) {
        TensorVector m = norm1.modulations(timesteps, labels, noise);
        Tensor attention = attn1.forward(norm1.modulate(x, m.get(0), m.get(1)), noise);
        x = m.get(2).unsqueeze(1).mul(attention).add(x);
        Tensor normed = norm3 != null
                ? norm3.forward(x)
                : layer_norm(x, new long[] {dim}, new TensorOptional(), new TensorOptional(), normEps, false);
        normed = normed.mul(m.get(4).unsqueeze(1).add(new Scalar(1.0)))
                .add(m.get(3).unsqueeze(1));
        return m.get(5).unsqueeze(1).mul(ff.forward(normed, noise)).add(x);
    }
}
