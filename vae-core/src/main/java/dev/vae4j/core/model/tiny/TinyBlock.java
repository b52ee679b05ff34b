package dev.vae4j.core.model.tiny;

import static org.bytedeco.pytorch.global.torch.relu;

import dev.vae4j.core.nn.Block2D;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code AutoencoderTinyBlock} (taesd.py's {@code Block}): {@code relu(conv(x) + skip(x))} with {@code conv}
 * = 3x3 conv, act, 3x3 conv, act, 3x3 conv (with bias) and {@code skip} a 1x1 conv without bias when the width changes
 * (the identity otherwise); with the FLUX.2 option the input first becomes {@code x + pool(x)} ({@link GroupNormPool}).
 * (N, in, H, W) -> (N, out, H, W). Parameter names: {@code conv.0, conv.2, conv.4, skip, pool.*}.
 */
final class TinyBlock extends Block2D {
    private final TinyActivation activation;
    private final Module convs;
    private final Conv2dImpl conv0;
    private final Conv2dImpl conv2;
    private final Conv2dImpl conv4;
    private final Conv2dImpl skip;
    private final GroupNormPool pool;

    /** @param pooled whether the block has FLUX.2's GroupNorm pooling branch */
    TinyBlock(long in, long out, TinyActivation activation, boolean pooled) {
        this.activation = activation;
        convs = register_module("conv", new Module());
        conv0 = convs.register_module("0", Layers.conv2d(in, out, 3, 1, 1));
        conv2 = convs.register_module("2", Layers.conv2d(out, out, 3, 1, 1));
        conv4 = convs.register_module("4", Layers.conv2d(out, out, 3, 1, 1));
        skip = in == out ? null : register_module("skip", Layers.conv2dNoBias(in, out));
        pool = pooled ? register_module("pool", new GroupNormPool(in)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        return TensorScope.scoped(() -> compute(x));
    }

    private Tensor compute(Tensor input) {
        Tensor x = pool == null ? input : input.add(pool.forward(input));
        Tensor h = conv4.forward(activation.apply(conv2.forward(activation.apply(conv0.forward(x)))));
        return relu(h.add(skip == null ? x : skip.forward(x)));
    }
}
