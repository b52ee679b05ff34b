package dev.vae4j.core.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;

/**
 * The inverse of {@link DiffusersKeyMapping}: presents diffusers {@code AutoencoderKL} weights under original
 * CompVis/LDM names ({@code encoder.down.0.block.1}, reversed {@code decoder.up.N}, {@code mid.block_1},
 * {@code mid.attn_1.q}, {@code nin_shortcut}, {@code norm_out}), with the mid-block attention projections reshaped from
 * Linear [C, C] to 1x1 convolution [C, C, 1, 1] as LDM stores them ({@code reshape_weight_for_sd} of diffusers'
 * {@code convert_diffusers_to_original_stable_diffusion.py}).
 */
public final class LdmKeyMapping {
    private static final Pattern UP_BLOCK =
            Pattern.compile("^decoder\\.up_blocks\\.(\\d+)\\.(resnets\\.(\\d+)|upsamplers\\.0)\\.");
    private static final Pattern LDM_ATTENTION_WEIGHT = Pattern.compile("\\.mid\\.attn_1\\.(q|k|v|proj_out)\\.weight$");
    private static final List<Map.Entry<Pattern, String>> RULES = List.of(
            rule("^(encoder|decoder)\\.conv_norm_out\\.", "$1.norm_out."),
            rule("^encoder\\.down_blocks\\.(\\d+)\\.resnets\\.(\\d+)\\.", "encoder.down.$1.block.$2."),
            rule("^encoder\\.down_blocks\\.(\\d+)\\.downsamplers\\.0\\.", "encoder.down.$1.downsample."),
            rule("\\.mid_block\\.resnets\\.0\\.", ".mid.block_1."),
            rule("\\.mid_block\\.resnets\\.1\\.", ".mid.block_2."),
            rule("\\.mid_block\\.attentions\\.0\\.group_norm\\.", ".mid.attn_1.norm."),
            rule("\\.mid_block\\.attentions\\.0\\.to_(q|k|v)\\.", ".mid.attn_1.$1."),
            rule("\\.mid_block\\.attentions\\.0\\.to_out\\.0\\.", ".mid.attn_1.proj_out."),
            rule("\\.conv_shortcut\\.", ".nin_shortcut."));

    private LdmKeyMapping() {}

    private static Map.Entry<Pattern, String> rule(String regex, String replacement) {
        return Map.entry(Pattern.compile(regex), replacement);
    }

    /**
     * The LDM name of diffusers key {@code key} (without prefix).
     *
     * @param levels number of resolution levels (4 for SD), to reverse the up-block order
     */
    public static String toLdm(String key, int levels) {
        String mapped = key;
        Matcher up = UP_BLOCK.matcher(mapped);
        if (up.find()) {
            int ldmIndex = levels - 1 - Integer.parseInt(up.group(1));
            String part = up.group(3) != null ? "block." + up.group(3) + "." : "upsample.";
            mapped = "decoder.up." + ldmIndex + "." + part + mapped.substring(up.end());
        }
        for (Map.Entry<Pattern, String> rule : RULES) {
            mapped = rule.getKey().matcher(mapped).replaceAll(rule.getValue());
        }
        return mapped;
    }

    /** The LDM shape of a tensor of shape {@code shape} stored under LDM name {@code ldmKey}. */
    public static long[] toLdmShape(String ldmKey, long[] shape) {
        if (shape.length == 2 && LDM_ATTENTION_WEIGHT.matcher(ldmKey).find()) {
            return new long[] {shape[0], shape[1], 1, 1};
        }
        return shape;
    }

    /**
     * {@code diffusers} (current diffusers names, e.g. {@link DiffusersKeyMapping#wrap} of any checkpoint) seen under
     * LDM names, each prefixed with {@code prefix} ({@code ""} for a standalone VAE file, {@code "first_stage_model."}
     * for the VAE part of a full SD checkpoint).
     */
    public static TensorSource wrap(TensorSource diffusers, int levels, String prefix) {
        Map<String, String> byTarget = new LinkedHashMap<>();
        for (String key : diffusers.names()) {
            String target = prefix + toLdm(key, levels);
            if (byTarget.put(target, key) != null) {
                throw new IllegalArgumentException("two diffusers keys map to the LDM key '" + target + "'");
            }
        }
        return new TensorSource() {
            @Override
            public List<String> names() {
                return new ArrayList<>(byTarget.keySet());
            }

            @Override
            public long[] shape(String name) {
                return toLdmShape(name, diffusers.shape(source(name)));
            }

            @Override
            public Tensor load(String name) {
                Tensor t = diffusers.load(source(name));
                long[] shape = diffusers.shape(source(name));
                long[] ldm = toLdmShape(name, shape);
                return ldm == shape ? t : t.reshape(ldm);
            }

            private String source(String name) {
                String key = byTarget.get(name);
                if (key == null) {
                    throw new IllegalArgumentException("no tensor '" + name + "'");
                }
                return key;
            }
        };
    }
}
