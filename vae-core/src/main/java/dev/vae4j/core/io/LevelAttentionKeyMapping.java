package dev.vae4j.core.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;

/**
 * The names of self-attention inside resolution levels (LDM's {@code attn_resolutions}; diffusers'
 * {@code AttnDownEncoderBlock2D} / {@code AttnUpDecoderBlock2D}, as in LDM's {@code vq-f8} first stage), which
 * {@link DiffusersKeyMapping} and {@link LdmKeyMapping} leave alone: LDM {@code encoder.down.i.attn.j.*} and
 * {@code decoder.up.k.attn.j.*} (k counted from the narrowest level) with {@code norm, q, k, v, proj_out} as 1x1
 * convolutions [C, C, 1, 1], against diffusers {@code encoder.down_blocks.i.attentions.j.*} and
 * {@code decoder.up_blocks.(levels-1-k).attentions.j.*} with {@code group_norm, to_q, to_k, to_v, to_out.0}. Any prefix
 * before {@code encoder.}/{@code decoder.} is kept.
 */
public final class LevelAttentionKeyMapping {
    private static final Pattern LDM = Pattern.compile(
            "^(.*?)(encoder\\.down|decoder\\.up)\\.(\\d+)\\.attn\\.(\\d+)\\.(norm|q|k|v|proj_out)\\.(weight|bias)$");
    private static final Pattern DIFFUSERS =
            Pattern.compile("^(.*?)(encoder\\.down_blocks|decoder\\.up_blocks)\\.(\\d+)"
                    + "\\.attentions\\.(\\d+)\\.(group_norm|to_q|to_k|to_v|to_out\\.0)\\.(weight|bias)$");
    private static final List<String> LDM_PARTS = List.of("norm", "q", "k", "v", "proj_out");
    private static final List<String> DIFFUSERS_PARTS = List.of("group_norm", "to_q", "to_k", "to_v", "to_out.0");

    private LevelAttentionKeyMapping() {}

    /**
     * {@code ldm} with its level-attention keys under diffusers names (shapes unchanged: {@link DiffusersKeyMapping},
     * applied next, flattens the 1x1 convolutions); other keys pass through.
     */
    public static TensorSource fromLdm(TensorSource ldm, int levels) {
        Map<String, String> byTarget = new LinkedHashMap<>();
        for (String key : ldm.names()) {
            Matcher m = LDM.matcher(key);
            String target = key;
            if (m.matches()) {
                boolean encoder = m.group(2).startsWith("encoder");
                int level = Integer.parseInt(m.group(3));
                target = m.group(1)
                        + (encoder ? "encoder.down_blocks." + level : "decoder.up_blocks." + flip(level, levels))
                        + ".attentions." + m.group(4) + "." + DIFFUSERS_PARTS.get(LDM_PARTS.indexOf(m.group(5))) + "."
                        + m.group(6);
            }
            byTarget.put(target, key);
        }
        return new Renamed(ldm, byTarget, false);
    }

    /**
     * {@code diffusers} (names as {@link LdmKeyMapping#wrap} leaves level attentions) with its level-attention keys
     * under LDM names and their projection weights as 1x1 convolutions; other keys pass through.
     */
    public static TensorSource toLdm(TensorSource diffusers, int levels) {
        Map<String, String> byTarget = new LinkedHashMap<>();
        for (String key : diffusers.names()) {
            Matcher m = DIFFUSERS.matcher(key);
            String target = key;
            if (m.matches()) {
                boolean encoder = m.group(2).startsWith("encoder");
                int level = Integer.parseInt(m.group(3));
                target = m.group(1) + (encoder ? "encoder.down." + level : "decoder.up." + flip(level, levels))
                        + ".attn." + m.group(4) + "." + LDM_PARTS.get(DIFFUSERS_PARTS.indexOf(m.group(5))) + "."
                        + m.group(6);
            }
            byTarget.put(target, key);
        }
        return new Renamed(diffusers, byTarget, true);
    }

    private static int flip(int level, int levels) {
        if (level >= levels) {
            throw new IllegalArgumentException(
                    "level attention at level " + level + " of a " + levels + "-level model");
        }
        return levels - 1 - level;
    }

    /** Whether {@code ldmName} is an LDM level-attention projection weight, stored as a 1x1 convolution. */
    private static boolean projection(String ldmName) {
        Matcher m = LDM.matcher(ldmName);
        return m.matches() && !m.group(5).equals("norm") && m.group(6).equals("weight");
    }

    private record Renamed(TensorSource source, Map<String, String> byTarget, boolean toConv) implements TensorSource {
        @Override
        public List<String> names() {
            return new ArrayList<>(byTarget.keySet());
        }

        @Override
        public long[] shape(String name) {
            long[] shape = source.shape(key(name));
            return reshapes(name, shape) ? new long[] {shape[0], shape[1], 1, 1} : shape;
        }

        @Override
        public Tensor load(String name) {
            String key = key(name);
            Tensor tensor = source.load(key);
            long[] shape = source.shape(key);
            return reshapes(name, shape) ? tensor.reshape(shape[0], shape[1], 1, 1) : tensor;
        }

        private boolean reshapes(String name, long[] shape) {
            return toConv && shape.length == 2 && projection(name);
        }

        private String key(String name) {
            String key = byTarget.get(name);
            if (key == null) {
                throw new IllegalArgumentException("no tensor '" + name + "'");
            }
            return key;
        }
    }
}
