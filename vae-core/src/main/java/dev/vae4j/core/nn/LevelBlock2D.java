package dev.vae4j.core.nn;

import dev.vae4j.core.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * One resolution level of an encoder or decoder: resnets, an optional attention after them, then an optional transition
 * (a resampler, or the 3x3 conv that changes channels at the post-activation layout's last level). With spatial-free
 * resnets and a {@link Downsample2D}/{@link Upsample2D} this is diffusers' {@code DownEncoderBlock2D} /
 * {@code UpDecoderBlock2D}. Shapes: (N, in, H, W) -> (N, out, H', W') as the children decide. Parameter names:
 * {@code resnets.j.*}, {@code attentions.0.*}, then {@code downsamplers.0.*} / {@code upsamplers.0.*} or
 * {@code channel_conv.*}.
 */
public final class LevelBlock2D extends Block2D {
    /** Where a level's transition is registered. */
    public enum Transition {
        /** {@code downsamplers.0} (encoder resampler). */
        DOWNSAMPLER,
        /** {@code upsamplers.0} (decoder resampler). */
        UPSAMPLER,
        /** {@code channel_conv} (channel-changing conv at the same resolution). */
        CHANNEL_CONV
    }

    private final IndexedModules<Block2D> resnets;
    private final IndexedModules<Block2D> attentions;
    private final IndexedModules<Block2D> resamplers;
    private final Block2D channelConv;
    private final List<Block2D> steps = new ArrayList<>();

    /**
     * @param resnets the resnets, applied in order
     * @param attention the attention after them, or null
     * @param kind where {@code transition} is registered
     * @param transition the last step, or null
     */
    public LevelBlock2D(List<? extends Block2D> resnets, Block2D attention, Transition kind, Block2D transition) {
        this.resnets = register_module("resnets", new IndexedModules<>());
        resnets.forEach(this.resnets::add);
        attentions = attention == null ? null : register_module("attentions", new IndexedModules<>());
        if (attentions != null) {
            attentions.add(attention);
        }
        boolean resampler = transition != null && kind != Transition.CHANNEL_CONV;
        resamplers = resampler
                ? register_module(
                        kind == Transition.DOWNSAMPLER ? "downsamplers" : "upsamplers", new IndexedModules<>())
                : null;
        if (resamplers != null) {
            resamplers.add(transition);
        }
        channelConv = transition != null && !resampler ? register_module("channel_conv", transition) : null;
        steps.addAll(resnets);
        if (attention != null) {
            steps.add(attention);
        }
        if (transition != null) {
            steps.add(transition);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return TensorScope.scoped(() -> compute(x));
    }

    /** Resnets, attention, transition; each output is freed once the next one has read it. */
    private Tensor compute(Tensor x) {
        return chain(x, false, steps);
    }

    @Override
    public Tensor forwardOwned(Tensor owned) {
        return TensorScope.scoped(() -> chain(owned, true, steps));
    }
}
