package dev.vae4j.core.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bytedeco.pytorch.Module;

/**
 * The Java counterpart of PyTorch's {@code nn.ModuleList}: children registered under the names {@code "0"},
 * {@code "1"}, ... so parameter keys read {@code down_blocks.0.resnets.1.conv1.weight}. libtorch's own ModuleList
 * cannot hold modules whose {@code forward} is written in Java, so this container keeps the typed children itself
 * (which also keeps them reachable for the GC).
 *
 * @param <T> the child type
 */
public final class IndexedModules<T extends Module> extends Module {
    private final List<T> children = new ArrayList<>();

    /** Registers {@code child} under the next index and returns it. */
    public T add(T child) {
        register_module(Integer.toString(children.size()), child);
        children.add(child);
        return child;
    }

    /** The child at {@code index}. */
    public T get(int index) {
        return children.get(index);
    }

    /** Number of children. */
    public int count() {
        return children.size();
    }

    /** The children in registration order (unmodifiable). */
    public List<T> list() {
        return Collections.unmodifiableList(children);
    }
}
