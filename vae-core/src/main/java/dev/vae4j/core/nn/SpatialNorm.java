package dev.vae4j.core.nn;

import static org.bytedeco.pytorch.global.torch.upsample_nearest2d;

import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code SpatialNorm} (MoVQ, arXiv 2209.09002): {@code GroupNorm(32, C, eps 1e-6)(f) * conv_y(zq') +
 * conv_b(zq')}, zq' the quantized latent of the bound {@link SpatialCondition} resized to f's size by nearest
 * interpolation. f (N, C, H, W) -> (N, C, H, W); zq (N, D, h, w). Parameter names: {@code norm_layer, conv_y, conv_b}.
 */
public final class SpatialNorm extends Block2D {
    /** diffusers fixes the groups of SpatialNorm's GroupNorm, whatever {@code norm_num_groups} says. */
    public static final long GROUPS = 32;

    private final GroupNormImpl normLayer;
    private final Conv2d convY;
    private final Conv2d convB;
    private final SpatialCondition condition;

    /**
     * @param channels C, a multiple of {@link #GROUPS}
     * @param zqChannels D, the quantized latent's channels
     * @param condition where the decoder binds zq
     * @throws IllegalArgumentException when C is not a multiple of 32
     */
    public SpatialNorm(long channels, long zqChannels, SpatialCondition condition) {
        normLayer = register_module("norm_layer", Layers.groupNorm(GROUPS, channels, 1e-6));
        convY = register_module("conv_y", new Conv2d(zqChannels, channels, 1, 1, 0));
        convB = register_module("conv_b", new Conv2d(zqChannels, channels, 1, 1, 0));
        this.condition = condition;
    }

    /** f (N, C, H, W) -> (N, C, H, W), conditioned on the bound zq. */
    @Override
    public Tensor forward(Tensor f) {
        Tensor zq = condition.current();
        return TensorScope.scoped(() -> {
            Tensor resized = upsample_nearest2d(zq, f.size(2), f.size(3));
            return normLayer.forward(f).mul(convY.forward(resized)).add(convB.forward(resized));
        });
    }
}
