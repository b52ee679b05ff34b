package dev.vae4j.diffusion.unet;

import static org.bytedeco.pytorch.global.torch.avg_pool2d;

import dev.vae4j.core.nn.Block2D;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Tensor;

/**
 * stanipov/pytorch-diffusion's {@code DownsamplePool(dim, dim_out, 'avg', kern)}, the only downsampler {@code set_unet}
 * builds: {@code Sequential(AvgPool2d(kern), Conv2d(in, out, 3, padding 1), GroupNorm(max(1, out / 4), out))}. (N, in,
 * H, W) -> (N, out, H / kern, W / kern). Parameter names: {@code 1, 2} (the Sequential's). vae-core's
 * {@code PoolDownsample2D} computes the same for kernel 2 under the names {@code conv, norm}.
 */
final class PoolDownsample extends Block2D {
    private final long kernel;
    private final Conv2dImpl conv;
    private final GroupNormImpl norm;

    PoolDownsample(long in, long out, long kernel) {
        this.kernel = kernel;
        conv = register_module("1", Layers.conv2d(in, out, 3, 1, 1));
        norm = register_module("2", Layers.groupNorm(Math.max(1, out / 4), out, Layers.TORCH_NORM_EPS));
    }

    @Override
    public Tensor forward(Tensor x) {
        return TensorScope.scoped(() -> norm.forward(conv.forward(avg_pool2d(x, kernel, kernel))));
    }
}
