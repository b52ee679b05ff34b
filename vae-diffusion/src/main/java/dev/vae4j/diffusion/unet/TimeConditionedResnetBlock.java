package dev.vae4j.diffusion.unet;

import static org.bytedeco.pytorch.global.torch.silu;

import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.nn.Linear;
import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * stanipov/pytorch-diffusion's {@code ResnetBlock(in, out, time_emb_dim, groups)}: the time embedding goes through
 * {@code mlp = Sequential(SiLU, Linear(time_dim, 2 * out))} and is split into a scale and a shift that modulate
 * {@code block1}; {@code block2(block1(x, scale, shift)) + res_conv(x)} with {@code res_conv} a 1x1 conv when the
 * channel count changes, the identity otherwise. x (N, in, H, W), time embedding (N, time_dim) -> (N, out, H, W).
 * Parameter names: {@code mlp.1, block1.{proj,norm}, block2.{proj,norm}, res_conv} (upstream's).
 */
final class TimeConditionedResnetBlock extends Module {
    private final Module mlp;
    private final Linear timeProjection;
    private final ScaleShiftConvBlock block1;
    private final ScaleShiftConvBlock block2;
    private final Conv2dImpl resConv;

    TimeConditionedResnetBlock(long in, long out, long timeDim, long groups) {
        mlp = register_module("mlp", new Module());
        timeProjection = mlp.register_module("1", new Linear(timeDim, 2 * out));
        block1 = register_module("block1", new ScaleShiftConvBlock(in, out, groups));
        block2 = register_module("block2", new ScaleShiftConvBlock(out, out, groups));
        resConv = in == out ? null : register_module("res_conv", Layers.conv2d(in, out, 1, 1, 0));
    }

    Tensor forward(Tensor x, Tensor timeEmbedding) {
        return TensorScope.scoped(() -> {
            Tensor modulation = timeProjection.forward(silu(timeEmbedding));
            TensorVector scaleShift = modulation
                    .view(modulation.size(0), modulation.size(1), 1, 1)
                    .chunk(2, 1);
            Tensor h = block1.forward(x, scaleShift.get(0), scaleShift.get(1));
            h = block2.forward(h, null, null);
            return h.add(resConv == null ? x : resConv.forward(x));
        });
    }
}
