package dev.vae4j.core.nn;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers {@code UNetMidBlock2D} as used in VAEs: resnet -> (attention) -> resnet at constant channels.
 * (N, C, H, W) -> (N, C, H, W). Parameter names: {@code attentions.0.*} (absent without attention),
 * {@code resnets.0.*}, {@code resnets.1.*}.
 */
public final class MidBlock2D extends Module {
    private final IndexedModules<SelfAttention2D> attentions;
    private final IndexedModules<ResnetBlock2D> resnets;

    /**
     * @param channels C
     * @param groups GroupNorm groups
     * @param eps GroupNorm epsilon
     * @param addAttention whether the self-attention sits between the two resnets
     */
    public MidBlock2D(long channels, long groups, double eps, boolean addAttention) {
        // diffusers assigns attentions before resnets, so they come first in state_dict order.
        attentions = addAttention ? register_module("attentions", new IndexedModules<>()) : null;
        if (attentions != null) {
            attentions.add(new SelfAttention2D(channels, groups, eps));
        }
        resnets = register_module("resnets", new IndexedModules<>());
        resnets.add(new ResnetBlock2D(channels, channels, groups, eps));
        resnets.add(new ResnetBlock2D(channels, channels, groups, eps));
    }

    /** (N, C, H, W) -> (N, C, H, W). */
    public Tensor forward(Tensor x) {
        Tensor h = resnets.get(0).forward(x);
        if (attentions != null) {
            h = attentions.get(0).forward(h);
        }
        return resnets.get(1).forward(h);
    }
}
