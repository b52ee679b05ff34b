package dev.vae4j.core.io;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Removes the name parts that PyTorch's training wrappers add to a saved state dict: the {@code module.} that
 * {@code DistributedDataParallel}/{@code DataParallel} put before every key and the {@code _orig_mod.} that
 * {@code torch.compile} inserts before a compiled submodule's keys (cloneofsimo/vqgan-training saves
 * {@code module.encoder._orig_mod.conv_in.weight} for {@code encoder.conv_in.weight}).
 */
final class TrainingWrappers {
    private static final String DATA_PARALLEL = "module.";
    private static final String COMPILED = "_orig_mod.";

    private TrainingWrappers() {}

    /** {@code names} without the wrapper parts, in the same order. */
    static List<String> unwrap(List<String> names) {
        boolean dataParallel = !names.isEmpty() && names.stream().allMatch(n -> n.startsWith(DATA_PARALLEL));
        return names.stream()
                .map(n -> (dataParallel ? n.substring(DATA_PARALLEL.length()) : n).replace(COMPILED, ""))
                .toList();
    }

    /** {@code source} with every name unwrapped (the source itself when no name carries a wrapper part). */
    static TensorSource unwrap(TensorSource source) {
        List<String> names = source.names();
        List<String> unwrapped = unwrap(names);
        if (unwrapped.equals(names)) {
            return source;
        }
        Map<String, String> byTarget = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            RenamedTensors.put(byTarget, unwrapped.get(i), names.get(i));
        }
        return new RenamedTensors(source, byTarget);
    }
}
