package dev.vae4j.core.nn;

import dev.vae4j.core.tensor.Intermediates;
import dev.vae4j.core.tensor.TensorScope;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers {@code ResnetBlock2D} without time embedding, as used in VAEs: {@code x +
 * conv2(silu(norm2(conv1(silu(norm1(x))))))}, the skip through a 1x1 {@code conv_shortcut} when the channel count
 * changes. Input (N, in, H, W) -> output (N, out, H, W). Parameter names: {@code norm1, conv1, norm2, conv2,
 * conv_shortcut}. With a spatial {@link Normalization} it is diffusers' {@code ResnetBlockCondNorm2D} with
 * {@code time_embedding_norm="spatial"} (norms {@code norm1.norm_layer, norm1.conv_y, norm1.conv_b}, ...).
 */
public final class ResnetBlock2D extends Block2D {
    private final UnaryOperator<Tensor> norm1;
    private final Conv2d conv1;
    private final UnaryOperator<Tensor> norm2;
    private final Conv2d conv2;
    private final Conv2dImpl convShortcut;

    /**
     * @param in input channels
     * @param out output channels
     * @param groups GroupNorm groups (divides both {@code in} and {@code out})
     * @param eps GroupNorm epsilon (1e-6 in the SD VAE)
     * @param standardized whether conv1 and conv2 are {@link WeightStandardizedConv2d}
     */
    public ResnetBlock2D(long in, long out, long groups, double eps, boolean standardized) {
        this(in, out, Normalization.group(groups, eps), standardized);
    }

    /**
     * @param in input channels
     * @param out output channels
     * @param norm the kind of {@code norm1} and {@code norm2}
     * @param standardized whether conv1 and conv2 are {@link WeightStandardizedConv2d}
     */
    public ResnetBlock2D(long in, long out, Normalization norm, boolean standardized) {
        norm1 = norm.register(this, "norm1", in);
        conv1 = register_module("conv1", Layers.conv(in, out, 3, 1, 1, standardized));
        norm2 = norm.register(this, "norm2", out);
        conv2 = register_module("conv2", Layers.conv(out, out, 3, 1, 1, standardized));
        convShortcut = in == out ? null : register_module("conv_shortcut", Layers.conv2d(in, out, 1, 1, 0));
    }

    /** (N, in, H, W) -> (N, out, H, W). */
    @Override
    public Tensor forward(Tensor x) {
        return TensorScope.scoped(() -> compute(x, false));
    }

    /** With a {@code conv_shortcut}, an owned input is freed as soon as the shortcut and {@code norm1} have read it. */
    @Override
    public Tensor forwardOwned(Tensor owned) {
        return TensorScope.scoped(() -> compute(owned, true));
    }

    /**
     * The forward pass; each intermediate is freed once read, SiLU and the residual add work in place when autograd is
     * off ({@link Intermediates}), and {@link #forward} frees anything else when it returns. The shortcut runs first so
     * that an owned input need not live through the whole block.
     *
     * <p>Memory layout as in diffusers: in training the shortcut convolution reads a contiguous copy of its input, and
     * the sum is {@code shortcut + hidden}, so it takes the shortcut's layout. A channels-last input (the mid-block
     * attention's output is channels-last strided) then gives a contiguous output at the first channel-changing block,
     * and the decoder's largest levels run their GroupNorms, forward and backward, on contiguous tensors, as PyTorch's
     * do; otherwise the channels-last layout ran on to the decoder's output.
     */
    private Tensor compute(Tensor x, boolean owned) {
        Tensor skip = convShortcut == null ? x : convShortcut.forward(is_training() ? x.contiguous() : x);
        Tensor h = norm1.apply(x);
        if (owned && skip != x) {
            x.close();
        }
        h = Intermediates.silu(h);
        h = Intermediates.consume(h, conv1.forward(h));
        h = Intermediates.consume(h, Intermediates.silu(norm2.apply(h)));
        h = Intermediates.consume(h, conv2.forward(h));
        Tensor out = Intermediates.addTo(skip, h);
        if (skip != x || owned) {
            skip.close();
        }
        return out;
    }
}
