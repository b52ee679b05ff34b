package dev.vae4j.core.nn;

import static org.bytedeco.pytorch.global.torch.upsample_nearest2d;

import dev.vae4j.core.tensor.Intermediates;
import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Tensor;

/**
 * SD/LDM upsampling: nearest-neighbour 2x (PyTorch's legacy {@code "nearest"}), then a 3x3 convolution. (N, C, H, W) ->
 * (N, C, 2H, 2W). Parameter names: {@code conv.weight, conv.bias}.
 */
public final class Upsample2D extends Block2D {
    private final Conv2dImpl conv;

    /** @param channels input and output channels */
    public Upsample2D(long channels) {
        conv = register_module("conv", Layers.conv2d(channels, channels, 3, 1, 1));
    }

    /** (N, C, H, W) -> (N, C, 2H, 2W). */
    @Override
    public Tensor forward(Tensor x) {
        return TensorScope.scoped(() -> compute(x, false));
    }

    /** An owned input is freed as soon as it has been upsampled (it is a quarter of the result's size). */
    @Override
    public Tensor forwardOwned(Tensor owned) {
        return TensorScope.scoped(() -> compute(owned, true));
    }

    /** The forward pass; {@link #forward} frees its intermediate tensors when it returns. */
    private Tensor compute(Tensor x, boolean owned) {
        Tensor up = upsample_nearest2d(x, x.size(2) * 2, x.size(3) * 2);
        if (owned) {
            x.close();
        }
        return Intermediates.consume(up, conv.forward(up));
    }
}
