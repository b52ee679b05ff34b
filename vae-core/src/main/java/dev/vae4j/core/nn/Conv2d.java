package dev.vae4j.core.nn;

import static org.bytedeco.pytorch.global.torch.conv2d;

import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;

/**
 * {@code nn.Conv2d(in, out, k, stride, padding)} with bias and PyTorch's default initialisation, as a {@link Block2D}
 * whose kernel subclasses may transform ({@link WeightStandardizedConv2d}). Weight (out, in, k, k), bias (out); input
 * (N, in, H, W) -> (N, out, (H + 2p - k) / s + 1, ...). Parameter names: {@code weight, bias}.
 */
public class Conv2d extends Block2D {
    private final Tensor weight;
    private final Tensor bias;
    private final long stride;
    private final long padding;

    /** Initialised like {@code nn.Conv2d} (from the global generator). */
    public Conv2d(long in, long out, long kernel, long stride, long padding) {
        // the initialising layer and its tensors are freed here, not when the garbage collector gets to them
        try (TensorScope scope = new TensorScope()) {
            Conv2dImpl initial = Layers.conv2d(in, out, kernel, stride, padding);
            this.weight = scope.keep(new Tensor(
                    register_parameter("weight", initial.weight().detach().clone())));
            this.bias = scope.keep(new Tensor(
                    register_parameter("bias", initial.bias().detach().clone())));
        }
        this.stride = stride;
        this.padding = padding;
    }

    /** The stored weight (out, in, k, k). */
    public final Tensor weight() {
        return weight;
    }

    /** The kernel the convolution applies to {@code x}; the stored weight here. */
    protected Tensor kernel(Tensor x) {
        return weight;
    }

    @Override
    public final Tensor forward(Tensor x) {
        return conv2d(
                x,
                kernel(x),
                new TensorOptional(bias),
                new long[] {stride, stride},
                new long[] {padding, padding},
                new long[] {1, 1},
                1);
    }
}
