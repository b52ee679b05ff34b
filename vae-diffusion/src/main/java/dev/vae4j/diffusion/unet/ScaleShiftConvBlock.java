package dev.vae4j.diffusion.unet;

import static org.bytedeco.pytorch.global.torch.silu;

import dev.vae4j.core.nn.Conv2d;
import dev.vae4j.core.nn.Layers;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * stanipov/pytorch-diffusion's {@code conv_block} with its optional time modulation: weight-standardised 3x3 conv
 * {@code proj}, GroupNorm {@code norm} (eps 1e-5), then {@code h * (scale + 1) + shift} when a scale/shift is given,
 * then SiLU. (N, in, H, W) -> (N, out, H, W); scale and shift (N, out, 1, 1). vae-core's {@code ConvNormAct} computes
 * the unmodulated case under the same names but has no place for the modulation between norm and SiLU.
 */
final class ScaleShiftConvBlock extends Module {
    private final Conv2d proj;
    private final GroupNormImpl norm;

    ScaleShiftConvBlock(long in, long out, long groups) {
        proj = register_module("proj", Layers.conv(in, out, 3, 1, 1, true));
        norm = register_module("norm", Layers.groupNorm(groups, out, Layers.TORCH_NORM_EPS));
    }

    /** The block; {@code scale} and {@code shift} both null for no modulation. */
    Tensor forward(Tensor x, Tensor scale, Tensor shift) {
        Tensor h = norm.forward(proj.forward(x));
        if (scale != null) {
            h = h.mul(scale.add(new Scalar(1.0))).add(shift);
        }
        return silu(h);
    }
}
