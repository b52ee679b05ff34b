package dev.vae4j.core.model.tiny;

import static org.bytedeco.pytorch.global.torch.relu;

import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.core.tensor.TensorScope;
import java.util.List;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code EncoderTiny} (taesd.py's {@code Encoder}, {@code F32Encoder} with the strided stem): the
 * {@link EncoderStem}, then per level i a 3x3 stride-2 conv without bias (levels after the first) and
 * {@code num_encoder_blocks[i]} {@link TinyBlock}s, then a 3x3 conv to the latent channels. Images (N, in, H, W) in
 * [-1, 1] (mapped to taesd.py's [0, 1] first, as diffusers does) -> latents (N, L, H/f, W/f) with f =
 * {@link AutoencoderTinyConfig#encoderDownsampling()}. Parameter names: {@code layers.<i>.*} with taesd.py's
 * {@code nn.Sequential} indices.
 */
final class TinyEncoder extends Module {
    private final AutoencoderTinyConfig config;
    private final TinyLayers layers;

    /** An encoder with PyTorch's default initialisation. */
    public TinyEncoder(AutoencoderTinyConfig config) {
        this.config = config;
        layers = register_module("layers", new TinyLayers());
        List<Integer> widths = config.encoderBlockOutChannels();
        int first = widths.get(0);
        if (config.encoderStem() == EncoderStem.CONV) {
            addConv(Layers.conv2d(config.inChannels(), first, 3, 1, 1));
        } else {
            addConv(Layers.conv2d(config.inChannels(), first / 2, 3, 2, 1));
            layers.addFunction(x -> relu(x));
            addConv(Layers.conv2d(first / 2, first, 3, 2, 1));
            layers.addFunction(x -> relu(x));
        }
        int last = widths.size() - 1;
        for (int level = 0; level <= last; level++) {
            int width = widths.get(level);
            if (level > 0) {
                addConv(Layers.conv2dNoBias(widths.get(level - 1), width, 3, 2, 1));
            }
            boolean pooled = config.useMidblockGn() && level == last;
            for (int i = 0; i < config.numEncoderBlocks().get(level); i++) {
                TinyBlock block = new TinyBlock(width, width, config.activation(), pooled);
                layers.add(block, block::forward);
            }
        }
        addConv(Layers.conv2d(widths.get(last), config.latentChannels(), 3, 1, 1));
    }

    private void addConv(Conv2dImpl conv) {
        layers.add(conv, conv::forward);
    }

    /**
     * Images (N, in, H, W) in [-1, 1], H and W multiples of f -> latents (N, L, H/f, W/f).
     *
     * @throws IllegalArgumentException for a wrong shape
     */
    public Tensor forward(Tensor images) {
        Shapes.requireNchw(images, "images", config.inChannels(), config.encoderDownsampling());
        return TensorScope.scoped(
                () -> layers.forward(images.add(new Scalar(1.0)).div(new Scalar(2.0))));
    }
}
