package dev.vae4j.core.nn;

import static org.bytedeco.pytorch.global.torch.pad;

import dev.vae4j.core.tensor.Intermediates;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Tensor;

/**
 * SD/LDM downsampling: zero-pad one column on the right and one row at the bottom, then a 3x3 stride-2 convolution
 * without padding. (N, C, H, W) -> (N, C, H/2, W/2) for even H, W. Parameter names: {@code conv.weight, conv.bias}.
 */
public final class Downsample2D extends Block2D {
    private final Conv2dImpl conv;

    /** @param channels input and output channels */
    public Downsample2D(long channels) {
        conv = register_module("conv", Layers.conv2d(channels, channels, 3, 2, 0));
    }

    /** (N, C, H, W) -> (N, C, H/2, W/2). */
    @Override
    public Tensor forward(Tensor x) {
        Tensor padded = pad(x, 0, 1, 0, 1);
        return Intermediates.consume(padded, conv.forward(padded));
    }
}
