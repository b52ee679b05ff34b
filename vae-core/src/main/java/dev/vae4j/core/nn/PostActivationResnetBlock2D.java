package dev.vae4j.core.nn;

import dev.vae4j.core.tensor.Intermediates;
import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Tensor;

/**
 * stanipov/pytorch-diffusion's {@code ResnetBlock} (annotated-diffusion style, no time embedding):
 * {@code block2(block1(x)) + res_conv(x)} with each block a {@link ConvNormAct}; {@code res_conv} is a plain 1x1 conv
 * when the channel count changes, the identity otherwise. (N, in, H, W) -> (N, out, H, W). Parameter names:
 * {@code block1.*, block2.*, res_conv}.
 */
public final class PostActivationResnetBlock2D extends Block2D {
    private final ConvNormAct block1;
    private final ConvNormAct block2;
    private final Conv2dImpl resConv;

    /**
     * @param groups GroupNorm groups (divides {@code out})
     * @param standardized whether the 3x3 convs are weight-standardised
     */
    public PostActivationResnetBlock2D(long in, long out, long groups, boolean standardized) {
        block1 = register_module("block1", new ConvNormAct(in, out, groups, standardized));
        block2 = register_module("block2", new ConvNormAct(out, out, groups, standardized));
        resConv = in == out ? null : register_module("res_conv", Layers.conv2d(in, out, 1, 1, 0));
    }

    @Override
    public Tensor forward(Tensor x) {
        return TensorScope.scoped(() -> compute(x));
    }

    /** The forward pass; {@link #forward} frees its intermediate tensors when it returns. */
    private Tensor compute(Tensor x) {
        Tensor h = block1.forward(x);
        h = Intermediates.consume(h, block2.forward(h));
        if (resConv == null) {
            return Intermediates.add(h, x);
        }
        Tensor skip = resConv.forward(x);
        return Intermediates.consume(skip, Intermediates.add(h, skip));
    }
}
