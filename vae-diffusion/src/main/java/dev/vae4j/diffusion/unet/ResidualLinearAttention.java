package dev.vae4j.diffusion.unet;

import dev.vae4j.core.nn.Block2D;
import dev.vae4j.core.nn.LinearAttention2D;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringSharedModuleDict;
import org.bytedeco.pytorch.Tensor;

/**
 * stanipov/pytorch-diffusion's {@code Residual(PreNorm(dim, LinearAttention(dim, heads, dim_head)))}, the attention of
 * every UNet level, computed by vae-core's {@link LinearAttention2D} (the same block) with its layers registered again
 * under upstream's names: {@code norm} as {@code fn.norm}, {@code to_qkv} as {@code fn.fn.to_qkv}, {@code out_proj} and
 * {@code out_norm} as {@code fn.fn.to_out.0} and {@code fn.fn.to_out.1}. The layers are shared, not copied, so loading,
 * moving or training this block's parameters is what the vae-core block computes with. (N, C, H, W) -> (N, C, H, W).
 */
final class ResidualLinearAttention extends Block2D {
    private final LinearAttention2D attention;
    private final Module preNorm;
    private final Module inner;
    private final Module toOut;

    ResidualLinearAttention(long channels, long heads, long headDim) {
        attention = new LinearAttention2D(channels, heads, headDim);
        StringSharedModuleDict layers = attention.named_children();
        preNorm = register_module("fn", new Module());
        inner = preNorm.register_module("fn", new Module());
        inner.register_module("to_qkv", layers.get("to_qkv"));
        toOut = inner.register_module("to_out", new Module());
        toOut.register_module("0", layers.get("out_proj"));
        toOut.register_module("1", layers.get("out_norm"));
        preNorm.register_module("norm", layers.get("norm"));
    }

    @Override
    public Tensor forward(Tensor x) {
        return attention.forward(x);
    }
}
