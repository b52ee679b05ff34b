package dev.vae4j.diffusion.unet;

import static org.bytedeco.pytorch.global.torch.upsample_bicubic2d;
import static org.bytedeco.pytorch.global.torch.upsample_bilinear2d;
import static org.bytedeco.pytorch.global.torch.upsample_nearest2d;

import dev.vae4j.core.nn.Block2D;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.unet.LatentUNetConfig.UpMode;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Tensor;

/**
 * stanipov/pytorch-diffusion's {@code UpsampleInterp(dim, dim_out, mode, scale)}: {@code Sequential(nn.Upsample(
 * scale_factor=scale, mode, align_corners=False), Conv2d(in, out, 3, padding 1), GroupNorm(max(1, out / 4), out))}. (N,
 * in, H, W) -> (N, out, scale H, scale W). Parameter names: {@code 1, 2} (the Sequential's). vae-core's
 * {@code InterpolatingUpsample2D} computes the same for scale 2 under the names {@code conv, norm}.
 */
final class InterpolatingUpsample extends Block2D {
    private final UpMode mode;
    private final long scale;
    private final Conv2dImpl conv;
    private final GroupNormImpl norm;

    /** @param mode nearest, bilinear or bicubic */
    InterpolatingUpsample(long in, long out, UpMode mode, long scale) {
        this.mode = mode;
        this.scale = scale;
        conv = register_module("1", Layers.conv2d(in, out, 3, 1, 1));
        norm = register_module("2", Layers.groupNorm(Math.max(1, out / 4), out, Layers.TORCH_NORM_EPS));
    }

    @Override
    public Tensor forward(Tensor x) {
        return TensorScope.scoped(() -> {
            long[] size = {x.size(2) * scale, x.size(3) * scale};
            Tensor up = switch (mode) {
                case NEAREST -> upsample_nearest2d(x, size);
                case BILINEAR -> upsample_bilinear2d(x, size, false);
                case BICUBIC -> upsample_bicubic2d(x, size, false);
                case CONV -> throw new IllegalStateException("the conv mode is TransposedConvUpsample");
            };
            return norm.forward(conv.forward(up));
        });
    }
}
