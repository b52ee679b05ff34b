package dev.vae4j.core.model;

import dev.vae4j.core.model.ArchitectureOptions.AttentionKind;
import dev.vae4j.core.model.ArchitectureOptions.BlockLayout;
import dev.vae4j.core.nn.Block2D;
import dev.vae4j.core.nn.Conv2d;
import dev.vae4j.core.nn.Downsample2D;
import dev.vae4j.core.nn.InterpolatingUpsample2D;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.nn.LinearAttention2D;
import dev.vae4j.core.nn.MidBlock2D;
import dev.vae4j.core.nn.MultiHeadAttention2D;
import dev.vae4j.core.nn.Normalization;
import dev.vae4j.core.nn.PoolDownsample2D;
import dev.vae4j.core.nn.PostActivationResnetBlock2D;
import dev.vae4j.core.nn.ResnetBlock2D;
import dev.vae4j.core.nn.SelfAttention2D;
import dev.vae4j.core.nn.Upsample2D;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.GroupNormImpl;

/**
 * Builds the blocks an {@link AutoencoderKLConfig} selects; the encoder and decoder only arrange them. The resnets and
 * single-head attentions of the standard layout take their norms from one {@link Normalization}: the config's
 * GroupNorm, or a decoder's spatial norm.
 */
final class BlockFactory {
    private final AutoencoderKLConfig config;
    private final ArchitectureOptions options;
    private final boolean postActivation;
    private final Normalization normalization;

    /** Blocks with the config's GroupNorm. */
    BlockFactory(AutoencoderKLConfig config) {
        this(
                config,
                Normalization.group(config.normNumGroups(), config.options().normEps()));
    }

    /** Blocks whose resnet and single-head attention norms are {@code normalization}. */
    BlockFactory(AutoencoderKLConfig config, Normalization normalization) {
        this.config = config;
        this.options = config.options();
        this.postActivation = options.blockLayout() == BlockLayout.POST_ACTIVATION;
        this.normalization = normalization;
    }

    /** The norm of the standard layout's resnets, attentions and the decoder's head. */
    Normalization normalization() {
        return normalization;
    }

    boolean postActivation() {
        return postActivation;
    }

    /** A resnet (N, in, H, W) -> (N, out, H, W) of the configured layout. */
    Block2D resnet(long in, long out) {
        return postActivation
                ? new PostActivationResnetBlock2D(in, out, config.normNumGroups(), options.weightStandardized())
                : new ResnetBlock2D(in, out, normalization, options.weightStandardized());
    }

    /** The attention of {@code kind} at {@code channels}, or null for none. */
    Block2D attention(AttentionKind kind, long channels) {
        return switch (kind) {
            case NONE -> null;
            case SPATIAL -> new SelfAttention2D(channels, normalization);
            case MULTI_HEAD ->
                new MultiHeadAttention2D(
                        channels, options.attentionHeadDim(), config.normNumGroups(), options.normEps());
            case LINEAR -> new LinearAttention2D(channels, options.linearAttentionHeads(), options.attentionHeadDim());
        };
    }

    /**
     * The self-attentions of an {@code AttnDownEncoderBlock2D} / {@code AttnUpDecoderBlock2D}: {@code count}
     * single-head attentions at {@code channels}, as diffusers builds them ({@code attention_head_dim} = channels).
     */
    List<Block2D> levelAttentions(int count, long channels) {
        List<Block2D> attentions = new ArrayList<>();
        for (int j = 0; j < count; j++) {
            attentions.add(new SelfAttention2D(channels, normalization));
        }
        return attentions;
    }

    /** The mid block at {@code channels} (attention built first, as diffusers registers it first). */
    MidBlock2D midBlock(long channels) {
        Block2D attention = config.midBlockAddAttention() ? attention(options.midBlockAttention(), channels) : null;
        return new MidBlock2D(resnet(channels, channels), attention, resnet(channels, channels));
    }

    /** Halves the resolution, in -> out channels. */
    Block2D downsampler(long in, long out) {
        return switch (options.downsample()) {
            case CONV -> new Downsample2D(in);
            case AVG_POOL -> new PoolDownsample2D(in, out, false, postActivation);
            case MAX_POOL -> new PoolDownsample2D(in, out, true, postActivation);
        };
    }

    /** Doubles the resolution, in -> out channels. */
    Block2D upsampler(long in, long out) {
        return switch (options.upsample()) {
            case NEAREST ->
                postActivation
                        ? new InterpolatingUpsample2D(in, out, InterpolatingUpsample2D.Mode.NEAREST, true)
                        : new Upsample2D(in);
            case BILINEAR ->
                new InterpolatingUpsample2D(in, out, InterpolatingUpsample2D.Mode.BILINEAR, postActivation);
            case BICUBIC -> new InterpolatingUpsample2D(in, out, InterpolatingUpsample2D.Mode.BICUBIC, postActivation);
        };
    }

    /** A 3x3 (or 1x1) conv that may be weight-standardised. */
    Conv2d conv(long in, long out, long kernel) {
        return Layers.conv(in, out, kernel, 1, kernel / 2, options.weightStandardized());
    }

    /** The GroupNorm before an encoder's or decoder's output conv. */
    GroupNormImpl headNorm(long channels) {
        return Layers.groupNorm(config.normNumGroups(), channels, options.normEps());
    }
}
