package dev.vae4j.core.model;

import dev.vae4j.core.nn.Block2D;
import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.nn.LevelBlock2D;
import dev.vae4j.core.nn.MidBlock2D;
import dev.vae4j.core.tensor.Intermediates;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers VAE {@code Encoder}: conv_in, one {@link LevelBlock2D} per level (all but the last halve the resolution),
 * mid block, GroupNorm, SiLU, conv_out to {@code m * latent_channels} moments (m = 2, mean then logvar, for Gaussian
 * sampling, else 1). In the post-activation layout (stanipov/pytorch-diffusion) a level's resnets keep its input
 * channels and its resampler (or, at the last level, a 3x3 {@code channel_conv}) changes them. The blocks are the ones
 * the config's {@link ArchitectureOptions} select. Input (N, in_channels, H, W) -> (N, mL, H/f, W/f).
 */
public final class Encoder extends Module {
    private final Conv2dImpl convIn;
    private final IndexedModules<LevelBlock2D> downBlocks;
    private final MidBlock2D midBlock;
    private final GroupNormImpl convNormOut;
    private final Block2D convOut;

    /** Builds the encoder of {@code config} with PyTorch's default initialisation. */
    public Encoder(AutoencoderKLConfig config) {
        BlockFactory blocks = new BlockFactory(config);
        ArchitectureOptions options = config.options();
        List<Integer> channels = config.blockOutChannels();
        convIn = register_module("conv_in", Layers.conv2d(config.inChannels(), channels.get(0), 3, 1, 1));
        downBlocks = register_module("down_blocks", new IndexedModules<>());
        int previous = channels.get(0);
        for (int i = 0; i < config.levels(); i++) {
            int out = channels.get(i);
            boolean last = i == config.levels() - 1;
            List<Block2D> resnets = new ArrayList<>();
            if (blocks.postActivation()) {
                for (int j = 0; j < config.layersPerBlock(); j++) {
                    resnets.add(blocks.resnet(previous, previous));
                }
                Block2D attention = blocks.attention(options.downAttention(i), previous);
                Block2D transition = last ? blocks.conv(previous, out, 3) : blocks.downsampler(previous, out);
                downBlocks.add(new LevelBlock2D(
                        resnets,
                        attention,
                        last ? LevelBlock2D.Transition.CHANNEL_CONV : LevelBlock2D.Transition.DOWNSAMPLER,
                        transition));
            } else {
                for (int j = 0; j < config.layersPerBlock(); j++) {
                    resnets.add(blocks.resnet(j == 0 ? previous : out, out));
                }
                Block2D downsampler = last ? null : blocks.downsampler(out, out);
                if (config.downLevelAttention(i)) {
                    downBlocks.add(LevelBlock2D.interleaved(
                            resnets,
                            blocks.levelAttentions(resnets.size(), out),
                            LevelBlock2D.Transition.DOWNSAMPLER,
                            downsampler));
                } else {
                    Block2D attention = blocks.attention(options.downAttention(i), out);
                    downBlocks.add(
                            new LevelBlock2D(resnets, attention, LevelBlock2D.Transition.DOWNSAMPLER, downsampler));
                }
            }
            previous = out;
        }
        midBlock = register_module("mid_block", blocks.midBlock(previous));
        convNormOut = register_module("conv_norm_out", blocks.headNorm(previous));
        convOut = register_module(
                "conv_out", blocks.conv(previous, (long) options.momentsPerLatent() * config.latentChannels(), 3));
    }

    /**
     * (N, in_channels, H, W) -> moments (N, mL, H/f, W/f). Each block's output is freed once the next block's first
     * step has read it (see {@link Intermediates}).
     */
    public Tensor forward(Tensor x) {
        Tensor h = convIn.forward(x);
        for (LevelBlock2D block : downBlocks.list()) {
            h = block.forwardOwned(h);
        }
        h = midBlock.forwardOwned(h);
        h = Intermediates.consume(h, Intermediates.silu(convNormOut.forward(h)));
        return Intermediates.consume(h, convOut.forward(h));
    }
}
