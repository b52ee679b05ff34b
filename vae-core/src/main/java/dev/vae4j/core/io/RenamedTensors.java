package dev.vae4j.core.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/** {@code source} seen under new names: {@code byTarget} maps each new name to the source name it reads. */
record RenamedTensors(TensorSource source, Map<String, String> byTarget) implements TensorSource {
    RenamedTensors {
        byTarget = new LinkedHashMap<>(byTarget);
    }

    @Override
    public List<String> names() {
        return new ArrayList<>(byTarget.keySet());
    }

    @Override
    public long[] shape(String name) {
        return source.shape(sourceName(name));
    }

    @Override
    public Tensor load(String name) {
        return source.load(sourceName(name));
    }

    private String sourceName(String name) {
        String key = byTarget.get(name);
        if (key == null) {
            throw new IllegalArgumentException("no tensor '" + name + "'");
        }
        return key;
    }

    /**
     * Adds {@code target -> key} to {@code byTarget}; a second key for the same target keeps its own name, so strict
     * loading reports it as unexpected instead of silently picking one.
     */
    static void put(Map<String, String> byTarget, String target, String key) {
        byTarget.put(byTarget.containsKey(target) ? key : target, key);
    }
}
