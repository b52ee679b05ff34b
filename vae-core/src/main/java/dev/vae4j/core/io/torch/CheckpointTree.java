package dev.vae4j.core.io.torch;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Flattens an unpickled object tree into dotted tensor names: dict keys (strings, integers, or an allow-listed class
 * used as a key) and list / tuple indices joined by {@code .}. Non-tensor leaves are skipped; cycles and nesting deeper
 * than {@value #MAX_DEPTH} are refused. Package-private.
 */
final class CheckpointTree {
    /** Deepest container nesting followed. */
    static final int MAX_DEPTH = 64;

    private CheckpointTree() {}

    /** Every tensor under {@code root}, by dotted name, in traversal order. */
    static Map<String, TensorRef> flatten(Object root, String origin) {
        Map<String, TensorRef> out = new LinkedHashMap<>();
        walk(root, "", 0, out, Collections.newSetFromMap(new IdentityHashMap<>()), origin);
        return out;
    }

    private static void walk(
            Object node, String name, int depth, Map<String, TensorRef> out, Set<Object> path, String origin) {
        if (node instanceof TensorRef t) {
            if (out.putIfAbsent(name, t) != null) {
                throw new PyTorchFormatException(origin + ": two tensors flatten to the name '" + name + "'");
            }
            return;
        }
        if (!(node instanceof PyDict || node instanceof PyList || node instanceof PyTuple)) {
            return;
        }
        if (depth >= MAX_DEPTH) {
            throw new PyTorchFormatException(
                    origin + ": containers nested deeper than " + MAX_DEPTH + " at '" + name + "'");
        }
        if (!path.add(node)) {
            throw new PyTorchFormatException(origin + ": the object tree contains itself at '" + name + "'");
        }
        if (node instanceof PyDict dict) {
            for (Map.Entry<Object, Object> e : dict.entrySet()) {
                String key = keyName(e.getKey());
                if (key != null) {
                    walk(e.getValue(), join(name, key), depth + 1, out, path, origin);
                }
            }
        } else {
            List<Object> items = node instanceof PyTuple t ? t.items() : (PyList) node;
            for (int i = 0; i < items.size(); i++) {
                walk(items.get(i), join(name, Integer.toString(i)), depth + 1, out, path, origin);
            }
        }
        path.remove(node);
    }

    private static String keyName(Object key) {
        if (key instanceof String s) {
            return s;
        }
        if (key instanceof Long || key instanceof java.math.BigInteger) {
            return key.toString();
        }
        if (key instanceof PyGlobal g) {
            return g.qualifiedName();
        }
        return null;
    }

    private static String join(String prefix, String key) {
        return prefix.isEmpty() ? key : prefix + "." + key;
    }
}
