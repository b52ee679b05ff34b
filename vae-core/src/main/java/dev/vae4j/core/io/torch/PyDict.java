package dev.vae4j.core.io.torch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Python {@code dict} or {@code collections.OrderedDict} of an unpickled object tree, in insertion order. Attributes
 * set on the dict object itself (PyTorch's {@code state_dict()._metadata}) are kept apart in {@link #attributes()}.
 */
final class PyDict extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;

    private final Map<String, Object> attributes = new LinkedHashMap<>();

    /** Instance attributes ({@code __dict__}) of the dict object, e.g. {@code _metadata}. */
    public Map<String, Object> attributes() {
        return attributes;
    }

    // identity semantics: dicts are unhashable in Python, and contents may be cyclic
    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    @Override
    public String toString() {
        return "dict(" + size() + " entries)";
    }
}
