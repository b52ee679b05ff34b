package dev.vae4j.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Invariants of the pytorch-diffusion key mapping over every model shape its {@code Encoder2}/{@code Decoder2} build
 * (1-4 levels, 1-3 resnet stacks, attention at any set of levels): each upstream key gets its own vae4j name, names the
 * level and block it was built at, and training wrappers change neither detection nor names.
 */
class CheckpointLayoutProperties {
    private static final List<String> RESNET =
            List.of("block1.proj.weight", "block1.norm.weight", "block2.proj.weight");
    private static final List<String> ATTENTION =
            List.of("fn.norm.weight", "fn.fn.to_qkv.weight", "fn.fn.to_out.0.weight", "fn.fn.to_out.1.bias");

    /**
     * Upstream keys of one side's Sequential: per level {@code stacks} resnets, an attention when flagged, then the
     * pool/upsample Sequential ({@code .1} conv, {@code .2} norm) or, at the last level, one conv.
     */
    private static void side(List<String> keys, String sequential, int levels, int stacks, List<Boolean> attention) {
        int index = 0;
        for (int level = 0; level < levels; level++) {
            for (int j = 0; j < stacks; j++) {
                for (String part : RESNET) {
                    keys.add(sequential + index + "." + part);
                }
                if (level == 1 && j == 0) {
                    keys.add(sequential + index + ".res_conv.weight");
                }
                index++;
            }
            if (attention.get(level)) {
                for (String part : ATTENTION) {
                    keys.add(sequential + index + "." + part);
                }
                index++;
            }
            if (level == levels - 1) {
                keys.add(sequential + index + ".weight");
            } else {
                keys.add(sequential + index + ".1.weight");
                keys.add(sequential + index + ".2.weight");
            }
            index++;
        }
    }

    private static List<String> upstreamKeys(int levels, int stacks, List<Boolean> down, List<Boolean> up) {
        List<String> keys = new ArrayList<>(List.of(
                "_encoder.init_conv.weight",
                "_encoder.mid_block.0.block1.proj.weight",
                "_encoder.mid_block.1.fn.fn.to_qkv.weight",
                "_encoder.mid_block.2.block2.norm.bias",
                "_encoder.post_enc.0.weight",
                "_encoder.post_enc.2.weight"));
        side(keys, "_encoder.downsample.", levels, stacks, down);
        keys.addAll(List.of(
                "_decoder.conv_in.weight",
                "_decoder.mid_block.0.block1.proj.weight",
                "_decoder.post_up.0.weight",
                "_decoder.post_up.1.weight",
                "pre_quantizer.weight",
                "post_quantizer.bias"));
        side(keys, "_decoder.upscale.", levels, stacks, up);
        return keys;
    }

    @Property(tries = 200)
    void everyKeyGetsItsOwnNameAtTheLevelItWasBuilt(
            @ForAll @IntRange(min = 1, max = 4) int levels,
            @ForAll @IntRange(min = 1, max = 3) int stacks,
            @ForAll @Size(4) List<Boolean> down,
            @ForAll @Size(4) List<Boolean> up) {
        List<String> keys = upstreamKeys(levels, stacks, down, up);
        assertEquals(Optional.of(CheckpointLayout.PYTORCH_DIFFUSION_VAE), CheckpointLayout.detect(keys));
        Map<String, String> renaming = PytorchDiffusionKeyMapping.renaming(keys);
        assertEquals(keys.size(), renaming.size(), "two keys share a name");
        Set<String> sources = new LinkedHashSet<>(renaming.values());
        assertEquals(new LinkedHashSet<>(keys), sources);
        for (String name : renaming.keySet()) {
            assertTrue(
                    name.startsWith("encoder.") || name.startsWith("decoder.") || name.contains("quant_conv."), name);
            assertTrue(!name.contains("fn."), name);
        }
        for (int level = 0; level < levels; level++) {
            for (String side : List.of("encoder.down_blocks.", "decoder.up_blocks.")) {
                String prefix = side + level + ".";
                List<Boolean> attention = side.startsWith("encoder") ? down : up;
                assertEquals(
                        attention.get(level),
                        renaming.containsKey(prefix + "attentions.0.to_qkv.weight"),
                        prefix + " attention");
                assertTrue(renaming.containsKey(prefix + "resnets." + (stacks - 1) + ".block2.proj.weight"), prefix);
                String resampler = side.startsWith("encoder") ? "downsamplers.0." : "upsamplers.0.";
                assertEquals(
                        level < levels - 1,
                        renaming.containsKey(prefix + resampler + "conv.weight"),
                        prefix + resampler);
                assertEquals(level == levels - 1, renaming.containsKey(prefix + "channel_conv.weight"), prefix);
            }
        }
    }

    @Property(tries = 100)
    void trainingWrappersChangeNeitherDetectionNorNames(
            @ForAll @IntRange(min = 1, max = 4) int levels,
            @ForAll @Size(4) List<Boolean> attention,
            @ForAll boolean dataParallel) {
        List<String> keys = upstreamKeys(levels, 2, attention, attention);
        List<String> wrapped = keys.stream()
                .map(k -> (dataParallel ? "module." : "")
                        + (k.startsWith("_encoder.") ? "_encoder._orig_mod." + k.substring(9) : k))
                .toList();
        assertEquals(keys, TrainingWrappers.unwrap(wrapped));
        assertEquals(CheckpointLayout.detect(keys), CheckpointLayout.detect(wrapped));
    }
}
