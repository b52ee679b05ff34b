package dev.vae4j.core.nn;

import static org.bytedeco.pytorch.global.torch.matmul;
import static org.bytedeco.pytorch.global.torch.softmax;

import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * stanipov/pytorch-diffusion's {@code Residual(PreNorm(dim, LinearAttention(dim, heads, dim_head)))}: {@code x +
 * out_norm(out_proj(attn(norm(x))))} with {@code norm} and {@code out_norm} GroupNorm(1) (eps 1e-5), a bias-free 1x1
 * conv {@code to_qkv} to 3*heads*dimHead channels, q softmaxed over its channels and scaled by dimHead^-1/2, k
 * softmaxed over positions, {@code context = k v^T} (dimHead x dimHead per head), {@code out = context^T q}, and a 1x1
 * conv {@code out_proj} with bias back to C. Cost linear in H*W. (N, C, H, W) -> (N, C, H, W). Parameter names:
 * {@code norm, to_qkv, out_proj, out_norm} (seed: {@code fn.norm, fn.fn.to_qkv, fn.fn.to_out.0, fn.fn.to_out.1}).
 */
public final class LinearAttention2D extends Block2D {
    private final GroupNormImpl norm;
    private final Conv2dImpl toQkv;
    private final Conv2dImpl outProj;
    private final GroupNormImpl outNorm;
    private final long heads;
    private final double scale;

    /**
     * @param channels C
     * @param heads attention heads
     * @param dimHead channels per head
     */
    public LinearAttention2D(long channels, long heads, long dimHead) {
        this.heads = heads;
        this.scale = Math.pow(dimHead, -0.5);
        long hidden = heads * dimHead;
        norm = register_module("norm", Layers.groupNorm(1, channels, Layers.TORCH_NORM_EPS));
        toQkv = register_module("to_qkv", Layers.conv2dNoBias(channels, 3 * hidden));
        outProj = register_module("out_proj", Layers.conv2d(hidden, channels, 1, 1, 0));
        outNorm = register_module("out_norm", Layers.groupNorm(1, channels, Layers.TORCH_NORM_EPS));
    }

    @Override
    public Tensor forward(Tensor x) {
        return TensorScope.scoped(() -> compute(x));
    }

    /** The forward pass; {@link #forward} frees its intermediate tensors when it returns. */
    private Tensor compute(Tensor x) {
        long n = x.size(0);
        long h = x.size(2);
        long w = x.size(3);
        TensorVector parts = toQkv.forward(norm.forward(x)).chunk(3, 1);
        Tensor q = softmax(perHead(parts.get(0), n, h * w), -2).mul(new Scalar(scale));
        Tensor k = softmax(perHead(parts.get(1), n, h * w), -1);
        Tensor v = perHead(parts.get(2), n, h * w);
        Tensor context = matmul(k, v.transpose(-1, -2));
        Tensor out = matmul(context.transpose(-1, -2), q).reshape(n, -1, h, w);
        return outNorm.forward(outProj.forward(out)).add(x);
    }

    /** (N, heads*d, H, W) -> (N, heads, d, H*W). */
    private Tensor perHead(Tensor t, long n, long positions) {
        return t.reshape(n, heads, -1, positions);
    }
}
