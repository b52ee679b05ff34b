package dev.vae4j.dwt.nn;

import static org.bytedeco.pytorch.global.torch.silu;

import dev.vae4j.core.nn.Layers;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The LiteVAE paper's ADM-style pre-norm residual block (App. G, dropout 0, scale factor 1): {@code skip(x) +
 * conv2(silu(norm2(conv1(silu(norm1(x))))))}, 3x3 convolutions, skip the identity or a 1x1 convolution when the channel
 * count changes. GroupNorm (eps 1e-5) uses {@code gcd(groups, channels)} groups, our rule for widths the paper's 32
 * groups do not divide (e.g. 16 or 48). (N, in, H, W) -> (N, out, H, W). Parameter names (ours; the paper publishes no
 * weights): {@code norm1, conv1, norm2, conv2, skip}.
 */
final class PreNormResidualBlock extends Module {
    private final GroupNormImpl norm1;
    private final Conv2dImpl conv1;
    private final GroupNormImpl norm2;
    private final Conv2dImpl conv2;
    private final Conv2dImpl skip;

    /**
     * @param in input channels
     * @param out output channels
     * @param groups nominal GroupNorm groups (32 in the paper)
     */
    public PreNormResidualBlock(long in, long out, long groups) {
        norm1 = register_module("norm1", Layers.groupNorm(gcd(groups, in), in, PostNormResidualBlock.NORM_EPS));
        conv1 = register_module("conv1", Layers.conv2d(in, out, 3, 1, 1));
        norm2 = register_module("norm2", Layers.groupNorm(gcd(groups, out), out, PostNormResidualBlock.NORM_EPS));
        conv2 = register_module("conv2", Layers.conv2d(out, out, 3, 1, 1));
        skip = in == out ? null : register_module("skip", Layers.conv2d(in, out, 1, 1, 0));
    }

    static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** (N, in, H, W) -> (N, out, H, W). */
    public Tensor forward(Tensor x) {
        Tensor h = conv1.forward(silu(norm1.forward(x)));
        h = conv2.forward(silu(norm2.forward(h)));
        return (skip == null ? x : skip.forward(x)).add(h);
    }
}
