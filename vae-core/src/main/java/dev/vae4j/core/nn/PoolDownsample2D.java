package dev.vae4j.core.nn;

import static org.bytedeco.pytorch.global.torch.avg_pool2d;
import static org.bytedeco.pytorch.global.torch.max_pool2d;

import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Tensor;

/**
 * stanipov/pytorch-diffusion's {@code DownsamplePool}: 2x2 average or max pooling (stride 2), a 3x3 conv, and
 * optionally {@code GroupNorm(max(1, out/4), out)} (eps 1e-5). (N, in, H, W) -> (N, out, H/2, W/2) for even H, W.
 * Parameter names: {@code conv, norm} (seed: {@code 1, 2} of its Sequential).
 */
public final class PoolDownsample2D extends Block2D {
    private final boolean max;
    private final Conv2dImpl conv;
    private final GroupNormImpl norm;

    /**
     * @param max max pooling instead of average pooling
     * @param normed whether the GroupNorm follows the conv
     */
    public PoolDownsample2D(long in, long out, boolean max, boolean normed) {
        this.max = max;
        conv = register_module("conv", Layers.conv2d(in, out, 3, 1, 1));
        norm = normed
                ? register_module("norm", Layers.groupNorm(Math.max(1, out / 4), out, Layers.TORCH_NORM_EPS))
                : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor pooled = max ? max_pool2d(x, 2, 2) : avg_pool2d(x, 2, 2);
        Tensor h = conv.forward(pooled);
        return norm == null ? h : norm.forward(h);
    }
}
