package dev.vae4j.core.nn;

import dev.vae4j.core.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers {@code UNetMidBlock2D} as used in VAEs: resnet -> (attention) -> resnet at constant channels, with
 * whichever resnet and attention kind the configuration selects. (N, C, H, W) -> (N, C, H, W). Parameter names:
 * {@code attentions.0.*} (absent without attention), {@code resnets.0.*}, {@code resnets.1.*}.
 */
public final class MidBlock2D extends Block2D {
    private final IndexedModules<Block2D> attentions;
    private final IndexedModules<Block2D> resnets;
    private final List<Block2D> steps = new ArrayList<>();

    /**
     * @param first the first resnet
     * @param attention the attention between the resnets, or null
     * @param second the second resnet
     */
    public MidBlock2D(Block2D first, Block2D attention, Block2D second) {
        // diffusers assigns attentions before resnets, so they come first in state_dict order.
        attentions = attention == null ? null : register_module("attentions", new IndexedModules<>());
        if (attentions != null) {
            attentions.add(attention);
        }
        resnets = register_module("resnets", new IndexedModules<>());
        resnets.add(first);
        resnets.add(second);
        steps.add(first);
        if (attention != null) {
            steps.add(attention);
        }
        steps.add(second);
    }

    @Override
    public Tensor forward(Tensor x) {
        return TensorScope.scoped(() -> compute(x));
    }

    /** Resnet, attention, resnet; each output is freed once the next one has read it. */
    private Tensor compute(Tensor x) {
        return chain(x, false, steps);
    }

    @Override
    public Tensor forwardOwned(Tensor owned) {
        return TensorScope.scoped(() -> chain(owned, true, steps));
    }
}
