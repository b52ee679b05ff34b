package dev.vae4j.diffusion.unet;

import dev.vae4j.core.nn.Block2D;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.ConvTranspose2dImpl;
import org.bytedeco.pytorch.ConvTranspose2dOptions;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Tensor;

/**
 * stanipov/pytorch-diffusion's {@code UpsampleConv(dim, dim_out)} ({@code up_mode} containing {@code conv}):
 * {@code Sequential(ConvTranspose2d(in, out, 4, stride 2, padding 1), GroupNorm(max(1, out / 4), out))}. (N, in, H, W)
 * -> (N, out, 2H, 2W). Parameter names: {@code 0, 1} (the Sequential's).
 */
final class TransposedConvUpsample extends Block2D {
    private final ConvTranspose2dImpl conv;
    private final GroupNormImpl norm;

    TransposedConvUpsample(long in, long out) {
        ConvTranspose2dOptions options = new ConvTranspose2dOptions(in, out, new LongPointer(4L, 4L));
        options.stride().put(new LongPointer(2L, 2L));
        options.padding().put(new LongPointer(1L, 1L));
        conv = register_module("0", new ConvTranspose2dImpl(options));
        norm = register_module("1", Layers.groupNorm(Math.max(1, out / 4), out, Layers.TORCH_NORM_EPS));
    }

    @Override
    public Tensor forward(Tensor x) {
        return TensorScope.scoped(() -> norm.forward(conv.forward(x)));
    }
}
