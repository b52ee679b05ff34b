package dev.vae4j.core.model;

import dev.vae4j.core.model.ArchitectureOptions.OutputActivation;
import dev.vae4j.core.nn.Block2D;
import dev.vae4j.core.nn.Conv2d;
import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.nn.LevelBlock2D;
import dev.vae4j.core.nn.MidBlock2D;
import dev.vae4j.core.nn.Normalization;
import dev.vae4j.core.nn.SpatialCondition;
import dev.vae4j.core.tensor.Intermediates;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers VAE {@code Decoder}: conv_in, mid block, one {@link LevelBlock2D} per level from the widest to the
 * narrowest (all but the last double the resolution; {@code layers_per_block + 1} resnets each), GroupNorm, SiLU,
 * conv_out, then the configured output activation. In the post-activation layout (stanipov/pytorch-diffusion) a level
 * has {@code layers_per_block} resnets at its input channels, its resampler (or, at the last level, a 3x3
 * {@code channel_conv}) changes channels, and the head has no SiLU. Input z (N, L, h, w) -> images (N, out_channels,
 * h*f, w*f); no clamp. diffusers' {@code norm_type="spatial"} decoder ({@link #spatial}, MoVQ) has a
 * {@link dev.vae4j.core.nn.SpatialNorm} in place of every GroupNorm (resnets, attentions, head), conditioned on the
 * quantized latent given to {@link #forward(Tensor, Tensor)}.
 */
public final class Decoder extends Module {
    private final Conv2d convIn;
    private final IndexedModules<LevelBlock2D> upBlocks;
    private final MidBlock2D midBlock;
    private final UnaryOperator<Tensor> convNormOut;
    private final Conv2d convOut;
    private final boolean headActivation;
    private final boolean tanhOutput;
    private final SpatialCondition condition;

    /** Builds the decoder of {@code config} with PyTorch's default initialisation. */
    public Decoder(AutoencoderKLConfig config) {
        this(config, new BlockFactory(config), null);
    }

    /**
     * diffusers' {@code Decoder(norm_type="spatial")}: every norm a {@code SpatialNorm(C, zqChannels)} (GroupNorm of 32
     * groups, so every level's channels are multiples of 32), conditioned on the quantized latent of
     * {@link #forward(Tensor, Tensor)}.
     *
     * @throws IllegalArgumentException when a level's channels are not a multiple of 32
     */
    public static Decoder spatial(AutoencoderKLConfig config, int zqChannels) {
        SpatialCondition condition = new SpatialCondition();
        return new Decoder(config, new BlockFactory(config, Normalization.spatial(condition, zqChannels)), condition);
    }

    private Decoder(AutoencoderKLConfig config, BlockFactory blocks, SpatialCondition condition) {
        this.condition = condition;
        ArchitectureOptions options = config.options();
        List<Integer> channels = config.blockOutChannels();
        int levels = config.levels();
        int widest = channels.get(levels - 1);
        convIn = register_module("conv_in", blocks.conv(config.latentChannels(), widest, 3));
        // diffusers creates up_blocks before mid_block: keep that registration (state_dict) order.
        upBlocks = register_module("up_blocks", new IndexedModules<>());
        int in = widest;
        for (int i = 0; i < levels; i++) {
            boolean last = i == levels - 1;
            int out = channels.get(levels - 1 - i);
            List<Block2D> resnets = new ArrayList<>();
            if (blocks.postActivation()) {
                int next = channels.get(Math.max(0, levels - 2 - i));
                for (int j = 0; j < config.layersPerBlock(); j++) {
                    resnets.add(blocks.resnet(out, out));
                }
                Block2D attention = blocks.attention(options.upAttention(i), out);
                Block2D transition = last ? blocks.conv(out, next, 3) : blocks.upsampler(out, next);
                upBlocks.add(new LevelBlock2D(
                        resnets,
                        attention,
                        last ? LevelBlock2D.Transition.CHANNEL_CONV : LevelBlock2D.Transition.UPSAMPLER,
                        transition));
                in = next;
            } else {
                for (int j = 0; j <= config.layersPerBlock(); j++) {
                    resnets.add(blocks.resnet(j == 0 ? in : out, out));
                }
                Block2D upsampler = last ? null : blocks.upsampler(out, out);
                if (config.upLevelAttention(i)) {
                    upBlocks.add(LevelBlock2D.interleaved(
                            resnets,
                            blocks.levelAttentions(resnets.size(), out),
                            LevelBlock2D.Transition.UPSAMPLER,
                            upsampler));
                } else {
                    Block2D attention = blocks.attention(options.upAttention(i), out);
                    upBlocks.add(new LevelBlock2D(resnets, attention, LevelBlock2D.Transition.UPSAMPLER, upsampler));
                }
                in = out;
            }
        }
        midBlock = register_module("mid_block", blocks.midBlock(widest));
        convNormOut = blocks.normalization().register(this, "conv_norm_out", in);
        convOut = register_module("conv_out", blocks.conv(in, config.outChannels(), 3));
        headActivation = !blocks.postActivation();
        tanhOutput = options.outputActivation() == OutputActivation.TANH;
    }

    /**
     * z (N, L, h, w) -> images (N, out_channels, h*f, w*f). Each block's output is freed once the next block's first
     * step has read it (see {@link Intermediates}).
     *
     * @throws IllegalStateException for a {@link #spatial} decoder, which needs the quantized latent
     */
    public Tensor forward(Tensor z) {
        if (condition != null) {
            throw new IllegalStateException("a spatial-norm decoder decodes with the quantized latent: forward(z, zq)");
        }
        return run(z);
    }

    /**
     * A {@link #spatial} decoder: z (N, L, h, w) conditioned on the quantized latent zq (N, D, h, w) -> images (N,
     * out_channels, h*f, w*f); a GroupNorm decoder ignores zq.
     */
    public Tensor forward(Tensor z, Tensor zq) {
        if (condition == null) {
            return run(z);
        }
        try (SpatialCondition.Binding bound = condition.bind(zq)) {
            return run(z);
        }
    }

    private Tensor run(Tensor z) {
        Tensor h = convIn.forward(z);
        h = midBlock.forwardOwned(h);
        for (LevelBlock2D block : upBlocks.list()) {
            h = block.forwardOwned(h);
        }
        h = Intermediates.consume(h, convNormOut.apply(h));
        if (headActivation) {
            h = Intermediates.silu(h);
        }
        Tensor images = Intermediates.consume(h, convOut.forward(h));
        return tanhOutput ? Intermediates.consume(images, images.tanh()) : images;
    }

    /** The last layer, {@code conv_out} (its weight is what LDM's adaptive GAN weight differentiates). */
    public Conv2d convOut() {
        return convOut;
    }
}
