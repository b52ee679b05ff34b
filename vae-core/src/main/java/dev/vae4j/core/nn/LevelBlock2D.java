package dev.vae4j.core.nn;

import dev.vae4j.core.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * One resolution level of an encoder or decoder: resnets, an optional attention after them, then an optional transition
 * (a resampler, or the 3x3 conv that changes channels at the post-activation layout's last level). With spatial-free
 * resnets and a {@link Downsample2D}/{@link Upsample2D} this is diffusers' {@code DownEncoderBlock2D} /
 * {@code UpDecoderBlock2D}; with one attention after each resnet ({@link #interleaved}) diffusers'
 * {@code AttnDownEncoderBlock2D} / {@code AttnUpDecoderBlock2D}. Shapes: (N, in, H, W) -> (N, out, H', W') as the
 * children decide. Parameter names: {@code resnets.j.*}, {@code attentions.j.*}, then {@code downsamplers.0.*} /
 * {@code upsamplers.0.*} or {@code channel_conv.*}.
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
        this(resnets, attention == null ? List.of() : List.of(attention), false, kind, transition);
    }

    /**
     * diffusers' {@code AttnDownEncoderBlock2D} / {@code AttnUpDecoderBlock2D}: {@code attentions.j} runs right after
     * {@code resnets.j}, then the transition.
     *
     * @param resnets the resnets
     * @param attentions one attention per resnet
     * @param kind where {@code transition} is registered
     * @param transition the last step, or null
     * @throws IllegalArgumentException when the lists differ in length
     */
    public static LevelBlock2D interleaved(
            List<? extends Block2D> resnets, List<? extends Block2D> attentions, Transition kind, Block2D transition) {
        if (attentions.size() != resnets.size()) {
            throw new IllegalArgumentException(
                    "interleaved level block: " + attentions.size() + " attentions for " + resnets.size() + " resnets");
        }
        return new LevelBlock2D(resnets, attentions, true, kind, transition);
    }

    private LevelBlock2D(
            List<? extends Block2D> resnets,
            List<? extends Block2D> attentionList,
            boolean interleaved,
            Transition kind,
            Block2D transition) {
        this.resnets = register_module("resnets", new IndexedModules<>());
        resnets.forEach(this.resnets::add);
        attentions = attentionList.isEmpty() ? null : register_module("attentions", new IndexedModules<>());
        for (Block2D attention : attentionList) {
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
        for (int j = 0; j < resnets.size(); j++) {
            steps.add(resnets.get(j));
            if (interleaved) {
                steps.add(attentionList.get(j));
            }
        }
        if (!interleaved) {
            steps.addAll(attentionList);
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
