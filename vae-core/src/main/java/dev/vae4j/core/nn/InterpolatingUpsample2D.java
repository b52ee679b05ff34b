package dev.vae4j.core.nn;

import static org.bytedeco.pytorch.global.torch.upsample_bicubic2d;
import static org.bytedeco.pytorch.global.torch.upsample_bilinear2d;
import static org.bytedeco.pytorch.global.torch.upsample_nearest2d;

import dev.vae4j.core.tensor.Intermediates;
import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Tensor;

/**
 * Upsampling by 2 with {@code nearest}, {@code bilinear} or {@code bicubic} interpolation ({@code align_corners=False},
 * like {@code nn.Upsample(scale_factor=2)}), a 3x3 conv, and optionally {@code GroupNorm(max(1, out/4), out)} (eps
 * 1e-5) as in stanipov/pytorch-diffusion's {@code UpsampleInterp}. (N, in, H, W) -> (N, out, 2H, 2W). Parameter names:
 * {@code conv, norm}.
 */
public final class InterpolatingUpsample2D extends Block2D {
    /** Interpolation modes. */
    public enum Mode {
        NEAREST,
        BILINEAR,
        BICUBIC
    }

    private final Mode mode;
    private final Conv2dImpl conv;
    private final GroupNormImpl norm;

    /** @param normed whether the GroupNorm follows the conv */
    public InterpolatingUpsample2D(long in, long out, Mode mode, boolean normed) {
        this.mode = mode;
        conv = register_module("conv", Layers.conv2d(in, out, 3, 1, 1));
        norm = normed
                ? register_module("norm", Layers.groupNorm(Math.max(1, out / 4), out, Layers.TORCH_NORM_EPS))
                : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        return TensorScope.scoped(() -> compute(x));
    }

    /** The forward pass; {@link #forward} frees its intermediate tensors when it returns. */
    private Tensor compute(Tensor x) {
        long[] size = {x.size(2) * 2, x.size(3) * 2};
        Tensor up = switch (mode) {
            case NEAREST -> upsample_nearest2d(x, size);
            case BILINEAR -> upsample_bilinear2d(x, size, false);
            case BICUBIC -> upsample_bicubic2d(x, size, false);
        };
        Tensor h = Intermediates.consume(up, conv.forward(up));
        return norm == null ? h : Intermediates.consume(h, norm.forward(h));
    }
}
