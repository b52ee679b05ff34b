package dev.vae4j.core.io;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Presents a cloneofsimo/vqgan-training {@code ae.py} {@code VAE} state dict under vae4j's {@code AutoencoderKL} names.
 * {@code ae.py} uses LDM's names ({@code encoder.down.0.block.1}, reversed {@code decoder.up.N}, {@code mid.block_1},
 * {@code nin_shortcut}, {@code norm_out}; renamed as {@link DiffusersKeyMapping} does) except in its mid attention,
 * whose {@code mid.attn_1.{norm,qkv,proj_out}} keep their names under {@code mid_block.attentions.0.}. Its trainer
 * saves the DDP-wrapped, compiled model ({@code module.encoder._orig_mod.*}): remove those parts first with
 * {@link TrainingWrappers}.
 */
final class VqganTrainingKeyMapping {
    private static final String ATTENTION = ".mid.attn_1.";

    private VqganTrainingKeyMapping() {}

    /** The vae4j name of {@code ae.py} key {@code key}, for a model with {@code levels} resolution levels. */
    static String toVae4j(String key, int levels) {
        return DiffusersKeyMapping.toDiffusers(key.replace(ATTENTION, ".mid_block.attentions.0."), levels);
    }

    /** {@code source} (unwrapped {@code ae.py} names) seen under vae4j names. */
    static TensorSource wrap(TensorSource source, int levels) {
        List<String> keys = source.names();
        Map<String, String> byTarget = new LinkedHashMap<>();
        for (String key : keys) {
            RenamedTensors.put(byTarget, toVae4j(key, levels), key);
        }
        return new RenamedTensors(source, byTarget);
    }
}
