package dev.vae4j.dwt.nn;

import static org.bytedeco.pytorch.global.torch.silu;

import dev.vae4j.core.nn.Layers;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * open-LiteVAE's post-norm residual block: {@code silu(norm2(conv2(silu(norm1(conv1(x)))))) + r(x)}, 3x3 convolutions,
 * GroupNorm (eps 1e-5) over the output channels, {@code r} the identity or a 1x1 {@code residual_conv} when the channel
 * count changes. (N, in, H, W) -> (N, out, H, W). Parameter names: {@code residual_conv, conv1, conv2, norm1, norm2}.
 */
final class PostNormResidualBlock extends Module {
    /** PyTorch's GroupNorm default epsilon. */
    public static final double NORM_EPS = 1e-5;

    private final Conv2dImpl residualConv;
    private final Conv2dImpl conv1;
    private final Conv2dImpl conv2;
    private final GroupNormImpl norm1;
    private final GroupNormImpl norm2;

    /**
     * @param in input channels
     * @param out output channels
     * @param groups GroupNorm groups (divides {@code out})
     */
    public PostNormResidualBlock(long in, long out, long groups) {
        residualConv = in == out ? null : register_module("residual_conv", Layers.conv2d(in, out, 1, 1, 0));
        conv1 = register_module("conv1", Layers.conv2d(in, out, 3, 1, 1));
        conv2 = register_module("conv2", Layers.conv2d(out, out, 3, 1, 1));
        norm1 = register_module("norm1", Layers.groupNorm(groups, out, NORM_EPS));
        norm2 = register_module("norm2", Layers.groupNorm(groups, out, NORM_EPS));
    }

    /** (N, in, H, W) -> (N, out, H, W). */
    public Tensor forward(Tensor x) {
        Tensor residual = residualConv == null ? x : residualConv.forward(x);
        Tensor h = silu(norm1.forward(conv1.forward(x)));
        h = silu(norm2.forward(conv2.forward(h)));
        return h.add(residual);
    }
}
