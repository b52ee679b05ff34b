package dev.vae4j.core.model;

import static org.bytedeco.pytorch.global.torch.silu;

import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.nn.MidBlock2D;
import dev.vae4j.core.nn.UpDecoderBlock2D;
import java.util.List;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers VAE {@code Decoder}: conv_in, mid block, one {@link UpDecoderBlock2D} per level from the widest
 * to the narrowest (all but the last double the resolution; {@code layers_per_block + 1} resnets each),
 * GroupNorm, SiLU, conv_out. Input z (N, L, h, w) -> images (N, out_channels, h*f, w*f). No output clamp.
 */
public final class Decoder extends Module {
    private final Conv2dImpl convIn;
    private final IndexedModules<UpDecoderBlock2D> upBlocks;
    private final MidBlock2D midBlock;
    private final GroupNormImpl convNormOut;
    private final Conv2dImpl convOut;

    /** Builds the decoder of {@code config} with PyTorch's default initialisation. */
    public Decoder(AutoencoderKLConfig config) {
        long groups = config.normNumGroups();
        double eps = AutoencoderKL.NORM_EPS;
        List<Integer> channels = config.blockOutChannels();
        int widest = channels.get(channels.size() - 1);
        convIn = register_module("conv_in", Layers.conv2d(config.latentChannels(), widest, 3, 1, 1));
        // diffusers creates up_blocks before mid_block: keep that registration (state_dict) order.
        upBlocks = register_module("up_blocks", new IndexedModules<>());
        int in = widest;
        for (int i = 0; i < config.levels(); i++) {
            int out = channels.get(channels.size() - 1 - i);
            boolean last = i == config.levels() - 1;
            upBlocks.add(new UpDecoderBlock2D(in, out, config.layersPerBlock() + 1, groups, eps, !last));
            in = out;
        }
        midBlock = register_module("mid_block", new MidBlock2D(widest, groups, eps, config.midBlockAddAttention()));
        convNormOut = register_module("conv_norm_out", Layers.groupNorm(groups, in, eps));
        convOut = register_module("conv_out", Layers.conv2d(in, config.outChannels(), 3, 1, 1));
    }

    /** z (N, L, h, w) -> images (N, out_channels, h*f, w*f). */
    public Tensor forward(Tensor z) {
        Tensor h = midBlock.forward(convIn.forward(z));
        for (UpDecoderBlock2D block : upBlocks.list()) {
            h = block.forward(h);
        }
        return convOut.forward(silu(convNormOut.forward(h)));
    }

    /** The last layer, {@code conv_out} (its weight is what LDM's adaptive GAN weight differentiates). */
    public Conv2dImpl convOut() {
        return convOut;
    }
}
