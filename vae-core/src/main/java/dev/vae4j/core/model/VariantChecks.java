package dev.vae4j.core.model;

import static dev.vae4j.core.model.ArchitectureOptions.require;

import dev.vae4j.core.model.ArchitectureOptions.AttentionKind;
import dev.vae4j.core.model.ArchitectureOptions.BlockLayout;
import java.util.List;

/**
 * The checks of {@link ArchitectureOptions} that need the channel plan: per-level lists as long as the levels,
 * multi-head channels divisible by the head dimension, and GroupNorms whose groups divide their channels. Errors name
 * the field and the value at fault.
 */
final class VariantChecks {
    private VariantChecks() {}

    static void check(List<Integer> channels, int groups, boolean midAttention, ArchitectureOptions options) {
        int levels = channels.size();
        checkLevels("down_block_attention", options.downBlockAttention(), levels);
        checkLevels("up_block_attention", options.upBlockAttention(), levels);
        int widest = channels.get(levels - 1);
        for (int level = 0; level < levels; level++) {
            int encoderWidth = options.blockLayout() == BlockLayout.POST_ACTIVATION
                    ? channels.get(Math.max(0, level - 1))
                    : channels.get(level);
            checkAttention(
                    "down_block_attention[" + level + "]", options.downAttention(level), encoderWidth, groups, options);
            int decoderWidth = channels.get(levels - 1 - level);
            checkAttention(
                    "up_block_attention[" + level + "]", options.upAttention(level), decoderWidth, groups, options);
            if (options.blockLayout() == BlockLayout.POST_ACTIVATION) {
                int out = channels.get(level);
                int resampleGroups = Math.max(1, out / 4);
                require(
                        out % resampleGroups == 0,
                        "block_out_channels entry " + out + " is not divisible into the " + resampleGroups
                                + " groups (max(1, out/4)) of the post-activation layout's resampler norm");
            }
        }
        if (midAttention) {
            checkAttention("mid_block_attention_type", options.midBlockAttention(), widest, groups, options);
        }
    }

    private static void checkLevels(String key, List<AttentionKind> kinds, int levels) {
        require(
                kinds.isEmpty() || kinds.size() == levels,
                key + " has " + kinds.size() + " entries but there are " + levels + " levels (block_out_channels)");
    }

    private static void checkAttention(
            String field, AttentionKind kind, int channels, int groups, ArchitectureOptions options) {
        if (kind == AttentionKind.MULTI_HEAD) {
            require(
                    channels % options.attentionHeadDim() == 0,
                    field + " multi_head: " + channels + " channels are not divisible into heads of attention_head_dim "
                            + options.attentionHeadDim());
        }
        if (kind == AttentionKind.SPATIAL || kind == AttentionKind.MULTI_HEAD) {
            require(
                    channels % groups == 0,
                    field + " " + kind.jsonName() + ": " + channels + " channels are not divisible by norm_num_groups "
                            + groups);
        }
    }
}
