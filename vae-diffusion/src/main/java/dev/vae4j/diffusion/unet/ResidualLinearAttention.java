package dev.vae4j.diffusion.unet;

import static org.bytedeco.pytorch.global.torch.matmul;
import static org.bytedeco.pytorch.global.torch.softmax;

import dev.vae4j.core.nn.Block2D;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * stanipov/pytorch-diffusion's {@code Residual(PreNorm(dim, LinearAttention(dim, heads, dim_head)))}, the attention of
 * every UNet level: {@code x + to_out(attn(norm(x)))} with {@code norm} GroupNorm(1), a bias-free 1x1 conv
 * {@code to_qkv}, q softmaxed over its channels and scaled by dim_head^-1/2, k softmaxed over positions, {@code context
 * = k v^T}, {@code out = context^T q}, and {@code to_out} a 1x1 conv then GroupNorm(1). (N, C, H, W) -> (N, C, H, W).
 * The computation is vae-core's {@code LinearAttention2D}; the parameter names are upstream's own ({@code fn.fn.to_qkv,
 * fn.fn.to_out.0, fn.fn.to_out.1, fn.norm}), so upstream state dicts load unmapped.
 */
final class ResidualLinearAttention extends Block2D {
    private final Module preNorm;
    private final Module attention;
    private final Module toOut;
    private final Conv2dImpl toQkv;
    private final Conv2dImpl outProjection;
    private final GroupNormImpl outNorm;
    private final GroupNormImpl norm;
    private final long heads;
    private final double scale;

    ResidualLinearAttention(long channels, long heads, long headDim) {
        this.heads = heads;
        this.scale = Math.pow(headDim, -0.5);
        long hidden = heads * headDim;
        preNorm = register_module("fn", new Module());
        attention = preNorm.register_module("fn", new Module());
        toQkv = attention.register_module("to_qkv", Layers.conv2dNoBias(channels, 3 * hidden));
        toOut = attention.register_module("to_out", new Module());
        outProjection = toOut.register_module("0", Layers.conv2d(hidden, channels, 1, 1, 0));
        outNorm = toOut.register_module("1", Layers.groupNorm(1, channels, Layers.TORCH_NORM_EPS));
        norm = preNorm.register_module("norm", Layers.groupNorm(1, channels, Layers.TORCH_NORM_EPS));
    }

    @Override
    public Tensor forward(Tensor x) {
        return TensorScope.scoped(() -> {
            long n = x.size(0);
            long positions = x.size(2) * x.size(3);
            TensorVector parts = toQkv.forward(norm.forward(x)).chunk(3, 1);
            Tensor q =
                    softmax(parts.get(0).reshape(n, heads, -1, positions), -2).mul(new Scalar(scale));
            Tensor k = softmax(parts.get(1).reshape(n, heads, -1, positions), -1);
            Tensor v = parts.get(2).reshape(n, heads, -1, positions);
            Tensor context = matmul(k, v.transpose(-1, -2));
            Tensor out = matmul(context.transpose(-1, -2), q).reshape(n, -1, x.size(2), x.size(3));
            return outNorm.forward(outProjection.forward(out)).add(x);
        });
    }
}
