package dev.vae4j.core.nn;

import static org.bytedeco.pytorch.global.torch.silu;

import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Tensor;

/**
 * stanipov/pytorch-diffusion's {@code conv_block}: 3x3 conv (weight-standardised or plain), GroupNorm (eps 1e-5), SiLU.
 * (N, in, H, W) -> (N, out, H, W). Parameter names: {@code proj, norm}.
 */
public final class ConvNormAct extends Block2D {
    private final Conv2d proj;
    private final GroupNormImpl norm;

    /**
     * @param groups GroupNorm groups (divides {@code out})
     * @param standardized whether {@code proj} is a {@link WeightStandardizedConv2d}
     */
    public ConvNormAct(long in, long out, long groups, boolean standardized) {
        proj = register_module("proj", Layers.conv(in, out, 3, 1, 1, standardized));
        norm = register_module("norm", Layers.groupNorm(groups, out, Layers.TORCH_NORM_EPS));
    }

    @Override
    public Tensor forward(Tensor x) {
        return silu(norm.forward(proj.forward(x)));
    }
}
