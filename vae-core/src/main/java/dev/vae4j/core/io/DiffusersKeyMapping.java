package dev.vae4j.core.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;

/**
 * Presents a checkpoint under diffusers {@code AutoencoderKL} key names whatever naming it was saved with: original
 * CompVis/LDM names ({@code encoder.down.0.block.1}, reversed {@code decoder.up.N}, {@code mid.attn_1.q},
 * {@code nin_shortcut}, {@code norm_out}, optionally under a {@code first_stage_model.} or {@code vae.} prefix),
 * pre-0.17 diffusers attention names ({@code query/key/value/proj_attn}), and attention projections stored as 1x1
 * convolutions ([C, C, 1, 1] is viewed as the Linear weight [C, C]). Training-only LDM entries ({@code loss.*},
 * {@code model_ema.*}) are dropped; anything else unknown keeps its name so loading reports it.
 */
public final class DiffusersKeyMapping {
    private static final List<String> PREFIXES = List.of("first_stage_model.", "vae.");
    private static final List<String> TRAINING_ONLY = List.of("loss.", "model_ema.");
    private static final Pattern ATTENTION_WEIGHT =
            Pattern.compile("\\.attentions\\.\\d+\\.(to_q|to_k|to_v|to_out\\.0)\\.weight$");
    private static final Pattern UP_BLOCK = Pattern.compile("^decoder\\.up\\.(\\d+)\\.(block|upsample)\\.");
    private static final List<Map.Entry<Pattern, String>> RULES = List.of(
            rule("^(encoder|decoder)\\.norm_out\\.", "$1.conv_norm_out."),
            rule("^encoder\\.down\\.(\\d+)\\.block\\.(\\d+)\\.", "encoder.down_blocks.$1.resnets.$2."),
            rule("^encoder\\.down\\.(\\d+)\\.downsample\\.", "encoder.down_blocks.$1.downsamplers.0."),
            rule("\\.mid\\.block_1\\.", ".mid_block.resnets.0."),
            rule("\\.mid\\.block_2\\.", ".mid_block.resnets.1."),
            rule("\\.mid\\.attn_1\\.norm\\.", ".mid_block.attentions.0.group_norm."),
            rule("\\.mid\\.attn_1\\.(q|k|v)\\.", ".mid_block.attentions.0.to_$1."),
            rule("\\.mid\\.attn_1\\.proj_out\\.", ".mid_block.attentions.0.to_out.0."),
            rule("\\.nin_shortcut\\.", ".conv_shortcut."),
            rule("\\.attentions\\.(\\d+)\\.query\\.", ".attentions.$1.to_q."),
            rule("\\.attentions\\.(\\d+)\\.key\\.", ".attentions.$1.to_k."),
            rule("\\.attentions\\.(\\d+)\\.value\\.", ".attentions.$1.to_v."),
            rule("\\.attentions\\.(\\d+)\\.proj_attn\\.", ".attentions.$1.to_out.0."));

    private DiffusersKeyMapping() {}

    private static Map.Entry<Pattern, String> rule(String regex, String replacement) {
        return Map.entry(Pattern.compile(regex), replacement);
    }

    /**
     * The diffusers name of checkpoint key {@code key} (prefix already stripped).
     *
     * @param levels number of resolution levels of the model (4 for SD), needed to reverse LDM's up-block order
     */
    public static String toDiffusers(String key, int levels) {
        String mapped = key;
        Matcher up = UP_BLOCK.matcher(mapped);
        if (up.find()) {
            int diffusersIndex = levels - 1 - Integer.parseInt(up.group(1));
            String part = up.group(2).equals("block") ? "resnets." : "upsamplers.0.";
            mapped = "decoder.up_blocks." + diffusersIndex + "." + part + mapped.substring(up.end());
        }
        for (Map.Entry<Pattern, String> rule : RULES) {
            mapped = rule.getKey().matcher(mapped).replaceAll(rule.getValue());
        }
        return mapped;
    }

    /** {@code source} seen under diffusers names, for a model with {@code levels} resolution levels. */
    public static TensorSource wrap(TensorSource source, int levels) {
        List<String> keys = source.names();
        String prefix = PREFIXES.stream()
                .filter(p -> keys.stream().anyMatch(k -> k.startsWith(p)))
                .findFirst()
                .orElse("");
        Map<String, String> byTarget = new LinkedHashMap<>();
        for (String key : keys) {
            if (!key.startsWith(prefix)) {
                continue;
            }
            String local = key.substring(prefix.length());
            if (TRAINING_ONLY.stream().anyMatch(local::startsWith)) {
                continue;
            }
            // A second key mapping to the same name (e.g. both legacy and current names) keeps its own name.
            RenamedTensors.put(byTarget, toDiffusers(local, levels), key);
        }
        return new Renamed(source, byTarget);
    }

    /** Whether {@code target} is an attention projection weight stored with trailing singleton dims. */
    private static boolean flattens(String target, long[] shape) {
        if (shape.length <= 2 || !ATTENTION_WEIGHT.matcher(target).find()) {
            return false;
        }
        for (int i = 2; i < shape.length; i++) {
            if (shape[i] != 1) {
                return false;
            }
        }
        return true;
    }

    private record Renamed(TensorSource source, Map<String, String> byTarget) implements TensorSource {
        @Override
        public List<String> names() {
            return new ArrayList<>(byTarget.keySet());
        }

        @Override
        public long[] shape(String name) {
            long[] shape = source.shape(byTarget.get(name));
            return flattens(name, shape) ? new long[] {shape[0], shape[1]} : shape;
        }

        @Override
        public Tensor load(String name) {
            String key = byTarget.get(name);
            Tensor tensor = source.load(key);
            long[] shape = source.shape(key);
            return flattens(name, shape) ? tensor.reshape(shape[0], shape[1]) : tensor;
        }
    }
}
