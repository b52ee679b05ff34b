package dev.vae4j.core.io.torch;

import java.util.List;
import java.util.Objects;

/** A Python tuple of an unpickled object tree (immutable, value equality; nesting depth is bounded). */
final class PyTuple {
    private final List<Object> items;
    private final int depth;

    PyTuple(List<Object> items) {
        this.items = List.copyOf(items);
        int d = 0;
        for (Object item : this.items) {
            if (item instanceof PyTuple t) {
                d = Math.max(d, t.depth);
            }
        }
        this.depth = d + 1;
    }

    /** The elements. */
    public List<Object> items() {
        return items;
    }

    /** Number of elements. */
    public int size() {
        return items.size();
    }

    /** Element {@code i}. */
    public Object get(int i) {
        return items.get(i);
    }

    /** Tuple nesting depth (1 for a tuple holding no tuple). */
    int depth() {
        return depth;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PyTuple t && items.equals(t.items);
    }

    @Override
    public int hashCode() {
        return Objects.hash(items);
    }

    @Override
    public String toString() {
        return "tuple(" + items.size() + " items)";
    }
}
