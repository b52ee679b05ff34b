package dev.vae4j.core.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Presents a stanipov/pytorch-diffusion {@code VAE} state dict ({@code torch.save(model.state_dict())} of
 * {@code src/models/vae.py}, e.g. its {@code models/vae.pt}) under vae4j's {@code AutoencoderKL} names.
 *
 * <p>Upstream keeps each side's levels in one flat {@code nn.Sequential} ({@code _encoder.downsample.N},
 * {@code _decoder.upscale.N}): per level its resnet blocks ({@code block1/block2/res_conv} children), an optional
 * linear attention ({@code fn.norm}, {@code fn.fn.to_qkv}, {@code fn.fn.to_out.0/1}), then either a resampler
 * ({@code N.1} conv, {@code N.2} norm; child 0 is the parameterless pool or upsample) or, at the last level, one
 * channel conv ({@code N.weight}). The entries are read in index order, so the mapping needs no config: a resampler or
 * channel conv closes a level. {@code _encoder.mid_block.0/1/2} are resnet, attention, resnet;
 * {@code pre_quantizer}/{@code post_quantizer} are the quant convs and (in its {@code VQModel}) {@code _vq._embedding}
 * the codebook {@code quantize.embedding}. Unknown keys keep their names so loading reports them.
 */
final class PytorchDiffusionKeyMapping {
    private static final Pattern LEVEL_ENTRY =
            Pattern.compile("^_(encoder|decoder)\\.(downsample|upscale)\\.(\\d+)\\.(.*)$");
    private static final Pattern MID_ENTRY = Pattern.compile("^_(encoder|decoder)\\.mid_block\\.([012])\\.(.*)$");
    private static final Pattern RESNET_CHILD = Pattern.compile("^(block1|block2|res_conv)\\.");
    private static final Pattern RESAMPLER_CHILD = Pattern.compile("^([12])\\.(.*)$");
    private static final Map<String, String> FIXED = Map.of(
            "pre_quantizer.", "quant_conv.",
            "post_quantizer.", "post_quant_conv.",
            "_vq._embedding.", "quantize.embedding.",
            "_encoder.init_conv.", "encoder.conv_in.",
            "_encoder.post_enc.0.", "encoder.conv_norm_out.",
            "_encoder.post_enc.2.", "encoder.conv_out.",
            "_decoder.conv_in.", "decoder.conv_in.",
            "_decoder.post_up.0.", "decoder.conv_norm_out.",
            "_decoder.post_up.1.", "decoder.conv_out.");
    private static final List<Map.Entry<String, String>> ATTENTION = List.of(
            Map.entry("fn.norm.", "norm."),
            Map.entry("fn.fn.to_qkv.", "to_qkv."),
            Map.entry("fn.fn.to_out.0.", "out_proj."),
            Map.entry("fn.fn.to_out.1.", "out_norm."));

    private PytorchDiffusionKeyMapping() {}

    /** {@code source} (upstream names, training wrappers already removed) seen under vae4j names. */
    static TensorSource wrap(TensorSource source) {
        return new RenamedTensors(source, renaming(source.names()));
    }

    /** vae4j name -> upstream name for every key of {@code keys}. */
    static Map<String, String> renaming(List<String> keys) {
        Map<String, Map<Integer, List<String>>> entries = new TreeMap<>();
        for (String key : keys) {
            Matcher m = LEVEL_ENTRY.matcher(key);
            if (m.matches()) {
                entries.computeIfAbsent(m.group(1), s -> new TreeMap<>())
                        .computeIfAbsent(Integer.parseInt(m.group(3)), i -> new ArrayList<>())
                        .add(key);
            }
        }
        Map<String, String> targets = new LinkedHashMap<>();
        entries.forEach((side, bySequenceIndex) -> levelTargets(side, bySequenceIndex, targets));
        Map<String, String> byTarget = new LinkedHashMap<>();
        for (String key : keys) {
            String target = targets.getOrDefault(key, fixedOrMid(key));
            RenamedTensors.put(byTarget, target, key);
        }
        return byTarget;
    }

    /** Names the entries of one side's Sequential, walking them in index order and closing a level at a resampler. */
    private static void levelTargets(String side, Map<Integer, List<String>> bySequenceIndex, Map<String, String> out) {
        String blocks = side.equals("encoder") ? "down_blocks" : "up_blocks";
        String resampler = side.equals("encoder") ? "downsamplers" : "upsamplers";
        int level = 0;
        int resnet = 0;
        for (List<String> keys : bySequenceIndex.values()) {
            String levelPrefix = side + "." + blocks + "." + level + ".";
            boolean closesLevel = false;
            boolean isResnet = false;
            for (String key : keys) {
                Matcher m = LEVEL_ENTRY.matcher(key);
                if (!m.matches()) {
                    continue;
                }
                String child = m.group(4);
                Matcher resample = RESAMPLER_CHILD.matcher(child);
                String target = null;
                if (RESNET_CHILD.matcher(child).find()) {
                    target = levelPrefix + "resnets." + resnet + "." + child;
                    isResnet = true;
                } else if (child.startsWith("fn.")) {
                    target = attention(levelPrefix + "attentions.0.", child);
                } else if (resample.matches()) {
                    String part = resample.group(1).equals("1") ? "conv." : "norm.";
                    target = levelPrefix + resampler + ".0." + part + resample.group(2);
                    closesLevel = true;
                } else if (child.equals("weight") || child.equals("bias")) {
                    target = levelPrefix + "channel_conv." + child;
                    closesLevel = true;
                }
                if (target != null) {
                    out.put(key, target);
                }
            }
            resnet += isResnet ? 1 : 0;
            if (closesLevel) {
                level++;
                resnet = 0;
            }
        }
    }

    private static String fixedOrMid(String key) {
        for (Map.Entry<String, String> fixed : FIXED.entrySet()) {
            if (key.startsWith(fixed.getKey())) {
                return fixed.getValue() + key.substring(fixed.getKey().length());
            }
        }
        Matcher mid = MID_ENTRY.matcher(key);
        if (!mid.matches()) {
            return key;
        }
        String prefix = mid.group(1) + ".mid_block.";
        return switch (mid.group(2)) {
            case "0" -> prefix + "resnets.0." + mid.group(3);
            case "2" -> prefix + "resnets.1." + mid.group(3);
            default -> attention(prefix + "attentions.0.", mid.group(3));
        };
    }

    private static String attention(String prefix, String child) {
        for (Map.Entry<String, String> part : ATTENTION) {
            if (child.startsWith(part.getKey())) {
                return prefix + part.getValue() + child.substring(part.getKey().length());
            }
        }
        return prefix + child;
    }
}
