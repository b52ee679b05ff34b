package dev.vae4j.core.model;

import static org.bytedeco.pytorch.global.torch.silu;

import dev.vae4j.core.nn.DownEncoderBlock2D;
import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.nn.MidBlock2D;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers VAE {@code Encoder}: conv_in, one {@link DownEncoderBlock2D} per level (all but the last halve
 * the resolution), mid block, GroupNorm, SiLU, conv_out to {@code 2 * latent_channels} moments (mean then
 * logvar). Input (N, in_channels, H, W) -> (N, 2L, H/f, W/f) with f the downsampling factor.
 */
public final class Encoder extends Module {
    private final Conv2dImpl convIn;
    private final IndexedModules<DownEncoderBlock2D> downBlocks;
    private final MidBlock2D midBlock;
    private final GroupNormImpl convNormOut;
    private final Conv2dImpl convOut;

    /** Builds the encoder of {@code config} with PyTorch's default initialisation. */
    public Encoder(AutoencoderKLConfig config) {
        long groups = config.normNumGroups();
        double eps = AutoencoderKL.NORM_EPS;
        int first = config.blockOutChannels().get(0);
        convIn = register_module("conv_in", Layers.conv2d(config.inChannels(), first, 3, 1, 1));
        downBlocks = register_module("down_blocks", new IndexedModules<>());
        int in = first;
        for (int i = 0; i < config.levels(); i++) {
            int out = config.blockOutChannels().get(i);
            boolean last = i == config.levels() - 1;
            downBlocks.add(new DownEncoderBlock2D(in, out, config.layersPerBlock(), groups, eps, !last));
            in = out;
        }
        midBlock = register_module("mid_block", new MidBlock2D(in, groups, eps, config.midBlockAddAttention()));
        convNormOut = register_module("conv_norm_out", Layers.groupNorm(groups, in, eps));
        convOut = register_module("conv_out", Layers.conv2d(in, 2L * config.latentChannels(), 3, 1, 1));
    }

    /** (N, in_channels, H, W) -> moments (N, 2L, H/f, W/f). */
    public Tensor forward(Tensor x) {
        Tensor h = convIn.forward(x);
        for (DownEncoderBlock2D block : downBlocks.list()) {
            h = block.forward(h);
        }
        h = midBlock.forward(h);
        return convOut.forward(silu(convNormOut.forward(h)));
    }
}
