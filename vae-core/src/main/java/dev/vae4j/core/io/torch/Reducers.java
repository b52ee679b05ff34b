package dev.vae4j.core.io.torch;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What each allow-listed callable of {@link PickleGlobals} builds from its arguments: tensor descriptors
 * (bounds-checked against their storage), containers, bytes, or opaque objects. Package-private.
 */
final class Reducers {
    /** Most dimensions accepted for a tensor. */
    static final int MAX_DIMS = 64;

    private Reducers() {}

    static Object call(Unpickler vm, PickleGlobals.Callable callable, List<Object> args) {
        String name = callable.global().qualifiedName();
        return switch (callable.builtin()) {
            case REBUILD_TENSOR_V2 -> {
                arity(vm, name, args, 6, 7);
                yield tensor(
                        vm,
                        name,
                        args.get(0),
                        args.get(1),
                        args.get(2),
                        args.get(3),
                        bool(vm, name, args.get(4), "requires_grad"));
            }
            case REBUILD_TENSOR -> {
                arity(vm, name, args, 4, 4);
                yield tensor(vm, name, args.get(0), args.get(1), args.get(2), args.get(3), false);
            }
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
                int n = callable.builtin() == PickleGlobals.Builtin.REBUILD_PARAMETER ? 3 : 4;
                arity(vm, name, args, n, n);
                if (!(args.get(0) instanceof TensorRef data)) {
                    throw vm.fail(name + ": data must be a tensor, got " + Unpickler.typeName(args.get(0)));
                }
                yield data.asParameter(bool(vm, name, args.get(1), "requires_grad"));
            }
            case ORDERED_DICT, DICT_SUBCLASS -> {
                PyDict dict = new PyDict();
                if (args.size() == 1 && args.get(0) instanceof Collection<?> pairs) {
                    for (Object pair : pairs) {
                        List<Object> kv = items(vm, name, pair);
                        if (kv.size() != 2) {
                            throw vm.fail(name + ": items must be pairs");
                        }
                        dict.put(kv.get(0), kv.get(1));
                    }
                } else if (!args.isEmpty()) {
                    throw vm.fail(name + ": unsupported arguments (" + args.size() + ")");
                }
                yield dict;
            }
            case TORCH_SIZE -> {
                arity(vm, name, args, 1, 1);
                yield new PyTuple(items(vm, name, args.get(0)));
            }
            case SET, FROZENSET -> {
                arity(vm, name, args, 0, 1);
                Set<Object> set = new LinkedHashSet<>();
                if (!args.isEmpty()) {
                    for (Object item : items(vm, name, args.get(0))) {
                        if (item instanceof PyList || item instanceof PyDict || item instanceof LinkedHashSet<?>) {
                            throw vm.fail(name + ": unhashable member of type " + Unpickler.typeName(item));
                        }
                        set.add(item);
                    }
                }
                yield callable.builtin() == PickleGlobals.Builtin.SET ? set : Set.copyOf(set);
            }
            case CODECS_ENCODE -> {
                arity(vm, name, args, 1, 2);
                String encoding = args.size() == 2 && args.get(1) instanceof String e ? e : "utf-8";
                if (!(args.get(0) instanceof String text)) {
                    throw vm.fail(name + ": text must be a string");
                }
                yield switch (encoding.toLowerCase(java.util.Locale.ROOT)) {
                    case "latin1", "latin-1", "iso-8859-1" -> latin1(vm, name, text);
                    case "utf-8", "utf8" -> text.getBytes(StandardCharsets.UTF_8);
                    default -> throw vm.fail(name + ": unsupported encoding '" + encoding + "'");
                };
            }
            case OPAQUE -> new PyObject(callable.global(), args);
        };
    }

    private static byte[] latin1(Unpickler vm, String name, String text) {
        byte[] out = new byte[text.length()];
        for (int i = 0; i < out.length; i++) {
            char c = text.charAt(i);
            if (c > 0xff) {
                throw vm.fail(name + ": character U+" + Integer.toHexString(c) + " is not latin-1");
            }
            out[i] = (byte) c;
        }
        return out;
    }

    private static void arity(Unpickler vm, String name, List<Object> args, int min, int max) {
        if (args.size() < min || args.size() > max) {
            throw vm.fail(name + " takes " + (min == max ? min : min + "-" + max) + " arguments, got " + args.size());
        }
    }

    private static boolean bool(Unpickler vm, String name, Object o, String what) {
        if (o instanceof Boolean b) {
            return b;
        }
        throw vm.fail(name + ": " + what + " must be a bool, got " + Unpickler.typeName(o));
    }

    private static List<Object> items(Unpickler vm, String name, Object o) {
        if (o instanceof PyTuple t) {
            return t.items();
        }
        if (o instanceof PyList l) {
            return new ArrayList<>(l);
        }
        throw vm.fail(name + ": expected a tuple or list, got " + Unpickler.typeName(o));
    }

    private static long integer(Unpickler vm, String name, Object o, String what) {
        if (o instanceof Long l) {
            return l;
        }
        if (o instanceof BigInteger) {
            throw vm.fail(name + ": " + what + " " + o + " is out of range");
        }
        throw vm.fail(name + ": " + what + " must be an integer, got " + Unpickler.typeName(o));
    }

    private static long[] longs(Unpickler vm, String name, Object o, String what) {
        List<Object> items = items(vm, name, o);
        if (items.size() > MAX_DIMS) {
            throw vm.fail(name + ": " + what + " has " + items.size() + " dimensions (limit " + MAX_DIMS + ")");
        }
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = integer(vm, name, items.get(i), what + "[" + i + "]");
            if (out[i] < 0) {
                throw vm.fail(name + ": negative " + what + " " + Arrays.toString(out) + " at dimension " + i);
            }
        }
        return out;
    }

    /** A tensor view, bounds-checked: sizes/strides/offset non-negative, largest index inside the storage. */
    private static TensorRef tensor(
            Unpickler vm,
            String name,
            Object storage,
            Object offsetObj,
            Object sizeObj,
            Object strideObj,
            boolean requiresGrad) {
        if (!(storage instanceof StorageRef s)) {
            throw vm.fail(name + ": storage must come from a persistent id, got " + Unpickler.typeName(storage));
        }
        long offset = integer(vm, name, offsetObj, "storage offset");
        long[] size = longs(vm, name, sizeObj, "size");
        long[] stride = longs(vm, name, strideObj, "stride");
        if (offset < 0) {
            throw vm.fail(name + ": negative storage offset " + offset + " (storage '" + s.key() + "')");
        }
        if (size.length != stride.length) {
            throw vm.fail(name + ": size " + Arrays.toString(size) + " and stride " + Arrays.toString(stride)
                    + " differ in length");
        }
        try {
            boolean empty = false;
            long last = offset;
            for (int i = 0; i < size.length; i++) {
                if (size[i] == 0) {
                    empty = true;
                } else {
                    last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
                }
            }
            long numel = 1;
            for (long d : size) {
                numel = Math.multiplyExact(numel, d);
            }
            if (empty ? offset > s.numel() : last >= s.numel()) {
                throw vm.fail(name + ": view with offset " + offset + ", size " + Arrays.toString(size) + " and stride "
                        + Arrays.toString(stride) + " reaches element " + last + " but storage '" + s.key()
                        + "' holds " + s.numel() + " " + s.dtype().dtypeName() + " elements");
            }
        } catch (ArithmeticException e) {
            throw vm.fail(name + ": size " + Arrays.toString(size) + " / stride " + Arrays.toString(stride)
                    + " overflow 64 bits");
        }
        return new TensorRef(s, offset, size, stride, requiresGrad, false);
    }

    /** Entries of a dict as a map view (for callers that already checked the type). */
    static Map<Object, Object> dict(Object o) {
        return (PyDict) o;
    }
}
