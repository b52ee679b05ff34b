package dev.vae4j.core.nn;

import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The normalization layer a block places before its convolutions or attention: diffusers' GroupNorm, or its
 * {@link SpatialNorm} conditioned on the quantized latent (MoVQ, diffusers' {@code norm_type="spatial"}). Blocks take
 * one of these instead of building their norms themselves, so a decoder switches every norm by choosing it once.
 */
public interface Normalization {
    /**
     * Registers a norm over {@code channels} in {@code parent} under {@code name} and returns its forward, (N, C, H, W)
     * -> (N, C, H, W) (a GroupNorm also takes (N, C, L)).
     *
     * @throws IllegalArgumentException when the channels are not divisible into the norm's groups
     */
    UnaryOperator<Tensor> register(Module parent, String name, long channels);

    /**
     * Whether the norm is conditioned on the quantized latent ({@link SpatialNorm}): it needs 4-D (N, C, H, W) input.
     */
    boolean spatial();

    /** The name diffusers' {@code Attention} gives this norm: {@code group_norm} or {@code spatial_norm}. */
    default String attentionName() {
        return spatial() ? "spatial_norm" : "group_norm";
    }

    /** {@code nn.GroupNorm(groups, C, eps, affine=True)}. */
    static Normalization group(long groups, double eps) {
        return new Normalization() {
            @Override
            public UnaryOperator<Tensor> register(Module parent, String name, long channels) {
                GroupNormImpl norm = parent.register_module(name, Layers.groupNorm(groups, channels, eps));
                return norm::forward;
            }

            @Override
            public boolean spatial() {
                return false;
            }
        };
    }

    /** diffusers' {@code SpatialNorm(C, zqChannels)}, reading the quantized latent from {@code condition}. */
    static Normalization spatial(SpatialCondition condition, long zqChannels) {
        return new Normalization() {
            @Override
            public UnaryOperator<Tensor> register(Module parent, String name, long channels) {
                SpatialNorm norm = parent.register_module(name, new SpatialNorm(channels, zqChannels, condition));
                return norm::forward;
            }

            @Override
            public boolean spatial() {
                return true;
            }
        };
    }
}
