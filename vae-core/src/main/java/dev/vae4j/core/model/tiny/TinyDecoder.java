package dev.vae4j.core.model.tiny;

import static org.bytedeco.pytorch.global.torch.tanh;

import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.core.tensor.TensorScope;
import java.util.List;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code DecoderTiny} (taesd.py's {@code Decoder} and {@code F32Decoder}): the soft clamp {@code tanh(z / 3)
 * * 3}, a 3x3 conv to the first width and the activation, then per level i {@code num_decoder_blocks[i]}
 * {@link TinyBlock}s followed, except after the last level, by an upsampling and a 3x3 conv without bias to the next
 * level's width; the last level ends in a 3x3 conv (with bias) to the image channels. Latents (N, L, h, w) -> images
 * (N, out, fh, fw) in about [-1, 1] (taesd.py's [0, 1] output mapped as diffusers does). Parameter names:
 * {@code layers.<i>.*}, taesd.py's {@code nn.Sequential} index minus one (diffusers applies the clamp outside the
 * sequence).
 */
final class TinyDecoder extends Module {
    private static final double CLAMP = 3.0;
    private final AutoencoderTinyConfig config;
    private final TinyLayers layers;
    private final Conv2dImpl convOut;

    /** A decoder with PyTorch's default initialisation. */
    public TinyDecoder(AutoencoderTinyConfig config) {
        this.config = config;
        layers = register_module("layers", new TinyLayers());
        List<Integer> widths = config.decoderBlockOutChannels();
        addConv(Layers.conv2d(config.latentChannels(), widths.get(0), 3, 1, 1));
        layers.addFunction(config.activation()::apply);
        int last = widths.size() - 1;
        TinyUpsample upsample = new TinyUpsample(config.upsampleMode(), config.upsamplingScalingFactor());
        Conv2dImpl conv = null;
        for (int level = 0; level <= last; level++) {
            int width = widths.get(level);
            boolean pooled = config.useMidblockGn() && level == 0;
            for (int i = 0; i < config.numDecoderBlocks().get(level); i++) {
                TinyBlock block = new TinyBlock(width, width, config.activation(), pooled);
                layers.add(block, block::forward);
            }
            if (level < last) {
                layers.addFunction(upsample);
                addConv(Layers.conv2dNoBias(width, widths.get(level + 1), 3, 1, 1));
            } else {
                conv = addConv(Layers.conv2d(width, config.outChannels(), 3, 1, 1));
            }
        }
        convOut = conv;
    }

    private Conv2dImpl addConv(Conv2dImpl conv) {
        return layers.add(conv, conv::forward);
    }

    /** The last conv's weight (out, C, 3, 3), for LDM's adaptive GAN weight. */
    public Tensor lastLayerWeight() {
        return convOut.weight();
    }

    /**
     * Latents (N, L, h, w) -> images (N, out, fh, fw), f = {@link AutoencoderTinyConfig#decoderUpsampling()}.
     *
     * @throws IllegalArgumentException for a wrong shape
     */
    public Tensor forward(Tensor latents) {
        Shapes.requireNchw(latents, "latents", config.latentChannels(), 1);
        return TensorScope.scoped(() -> {
            Tensor clamped = tanh(latents.div(new Scalar(CLAMP))).mul(new Scalar(CLAMP));
            return layers.forward(clamped).mul(new Scalar(2.0)).sub(new Scalar(1.0));
        });
    }
}
