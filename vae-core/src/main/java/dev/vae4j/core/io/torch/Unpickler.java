package dev.vae4j.core.io.torch;

import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A pickle virtual machine that only builds data: the opcodes of protocols 0-5 that {@code torch.save} and the
 * checkpoints around it emit (protocol 2 by default, 4 with FRAME / MEMOIZE / STACK_GLOBAL / SHORT_BINUNICODE), globals
 * resolved through the allow-list of {@link PickleGlobals}, and persistent ids handed to a loader. Python objects
 * become {@link PyNone}, {@link Boolean}, {@link Long} / {@link BigInteger}, {@link Double}, {@link String},
 * {@code byte[]}, {@link PyList}, {@link PyTuple}, {@link PyDict}, {@link Set}, {@link TensorRef}, {@link StorageRef},
 * {@link TorchDtype}, {@link StorageType}, {@link PyGlobal} and {@link PyObject}. Nothing is ever executed.
 *
 * <p>Bounds: lengths are checked against the remaining input before allocation; memo indices must exist; MARK nesting
 * is limited to {@value #MAX_MARK_DEPTH}, tuple nesting to {@value #MAX_TUPLE_DEPTH} and integers to
 * {@value #MAX_INT_BYTES} bytes; dict keys and set members must be hashable (no lists or dicts). Any violation is a
 * {@link PyTorchFormatException} naming the origin, the byte offset and the opcode.
 */
final class Unpickler {
    /** Deepest MARK nesting accepted. */
    public static final int MAX_MARK_DEPTH = 4096;
    /** Deepest tuple nesting accepted. */
    public static final int MAX_TUPLE_DEPTH = 256;
    /** Longest LONG1/LONG4 integer accepted, in bytes. */
    public static final int MAX_INT_BYTES = 1024;

    private static final int MAX_LINE = 4096;

    private final PickleInput in;
    private final Function<Object, Object> persistentLoad;
    private final String origin;
    private final List<Object> stack = new ArrayList<>();
    private final int[] marks = new int[MAX_MARK_DEPTH];
    private int markCount;
    private final Map<Long, Object> memo = new HashMap<>();
    private long opcodeStart;
    private int opcode;

    Unpickler(PickleInput in, Function<Object, Object> persistentLoad, String origin) {
        this.in = in;
        this.persistentLoad = persistentLoad;
        this.origin = origin;
    }

    /**
     * Unpickles {@code bytes} with no persistent ids allowed (a BINPERSID is a format error).
     *
     * @param origin names the input in messages (a file, a record)
     * @throws PyTorchFormatException for a malformed pickle
     * @throws UnsafePickleException for a global outside the allow-list
     */
    public static Object load(byte[] bytes, String origin) {
        return new Unpickler(PickleInput.of(bytes, origin), null, origin).load();
    }

    /**
     * Unpickles {@code bytes}, handing each persistent id (a tuple) to {@code persistentLoad}.
     *
     * @throws PyTorchFormatException for a malformed pickle
     * @throws UnsafePickleException for a global outside the allow-list
     */
    public static Object load(byte[] bytes, String origin, Function<Object, Object> persistentLoad) {
        return new Unpickler(PickleInput.of(bytes, origin), persistentLoad, origin).load();
    }

    /** Runs the machine to STOP and returns the top of the stack. */
    Object load() {
        try {
            while (true) {
                opcodeStart = in.position();
                opcode = in.read();
                if (opcode == '.') {
                    if (markCount != 0 || stack.size() != 1) {
                        throw fail("STOP with " + stack.size() + " stack items and " + markCount + " open marks");
                    }
                    return stack.get(0);
                }
                step(opcode);
            }
        } catch (PyTorchFormatException | UnsafePickleException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            throw new PyTorchFormatException(where() + "malformed pickle: " + e, e);
        }
    }

    private String where() {
        return origin + ": at byte " + opcodeStart + " (opcode " + describeOpcode(opcode) + "): ";
    }

    private static String describeOpcode(int op) {
        return op >= 0x20 && op < 0x7f ? "'" + (char) op + "'" : String.format("0x%02x", op);
    }

    PyTorchFormatException fail(String problem) {
        return new PyTorchFormatException(where() + problem);
    }

    @SuppressWarnings("checkstyle:CyclomaticComplexity")
    private void step(int op) {
        switch (op) {
            case 0x80 -> { // PROTO
                int proto = in.read();
                if (proto > 5) {
                    throw fail("unsupported pickle protocol " + proto);
                }
            }
            case 0x95 -> { // FRAME: length of the next frame, checked but not needed
                long n = in.readLittleEndian(8, "FRAME length");
                if (n < 0 || n > in.remaining()) {
                    throw fail("FRAME of " + Long.toUnsignedString(n) + " bytes but " + in.remaining() + " remain");
                }
            }
            case '(' -> { // MARK
                if (markCount == MAX_MARK_DEPTH) {
                    throw fail("nesting deeper than " + MAX_MARK_DEPTH + " marks");
                }
                marks[markCount++] = stack.size();
            }
            case '0' -> pop(); // POP
            case '1' -> popMark(); // POP_MARK
            case '2' -> push(peek()); // DUP
            case 'N' -> push(PyNone.NONE);
            case 0x88 -> push(Boolean.TRUE);
            case 0x89 -> push(Boolean.FALSE);
            case 'J' -> push((long) (int) in.readLittleEndian(4, "BININT"));
            case 'K' -> push(in.readLittleEndian(1, "BININT1"));
            case 'M' -> push(in.readLittleEndian(2, "BININT2"));
            case 0x8a -> push(readLong(in.readLittleEndian(1, "LONG1 length")));
            case 0x8b -> push(readLong((int) in.readLittleEndian(4, "LONG4 length")));
            case 'I' -> push(parseIntLine(in.readLine(MAX_LINE, "INT")));
            case 'L' -> push(parseLongLine(in.readLine(MAX_LINE, "LONG")));
            case 'F' -> push(parseFloat(in.readLine(MAX_LINE, "FLOAT")));
            case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.readLittleEndian(8, "BINFLOAT"))));
            case 'X' -> push(utf8(in.readBytes(in.readLittleEndian(4, "BINUNICODE length"), "BINUNICODE")));
            case 0x8c ->
                push(utf8(in.readBytes(in.readLittleEndian(1, "SHORT_BINUNICODE length"), "SHORT_BINUNICODE")));
            case 0x8d -> push(utf8(in.readBytes(in.readLittleEndian(8, "BINUNICODE8 length"), "BINUNICODE8")));
            case 'T' -> push(latin1(in.readBytes((int) in.readLittleEndian(4, "BINSTRING length"), "BINSTRING")));
            case 'U' -> push(latin1(in.readBytes(in.readLittleEndian(1, "SHORT_BINSTRING length"), "SHORT_BINSTRING")));
            case 'B' -> push(in.readBytes(in.readLittleEndian(4, "BINBYTES length"), "BINBYTES"));
            case 'C' -> push(in.readBytes(in.readLittleEndian(1, "SHORT_BINBYTES length"), "SHORT_BINBYTES"));
            case 0x8e, 0x96 -> push(in.readBytes(in.readLittleEndian(8, "BINBYTES8 length"), "BINBYTES8"));
            case ')' -> push(tuple(List.of()));
            case 't' -> push(tuple(popMark()));
            case 0x85 -> push(tuple(List.of(pop())));
            case 0x86 -> {
                Object b = pop();
                push(tuple(List.of(pop(), b)));
            }
            case 0x87 -> {
                Object c = pop();
                Object b = pop();
                push(tuple(List.of(pop(), b, c)));
            }
            case ']' -> push(new PyList());
            case 'l' -> {
                PyList list = new PyList();
                list.addAll(popMark());
                push(list);
            }
            case 'a' -> {
                Object item = pop();
                asList(peek()).add(item);
            }
            case 'e' -> {
                List<Object> items = popMark();
                asList(peek()).addAll(items);
            }
            case '}' -> push(new PyDict());
            case 'd' -> {
                PyDict dict = new PyDict();
                putAll(dict, popMark());
                push(dict);
            }
            case 's' -> {
                Object value = pop();
                Object key = pop();
                put(asDict(peek()), key, value);
            }
            case 'u' -> {
                List<Object> items = popMark();
                putAll(asDict(peek()), items);
            }
            case 0x8f -> push(new LinkedHashSet<>());
            case 0x90 -> {
                List<Object> items = popMark();
                Object top = peek();
                if (!(top instanceof Set<?>)) {
                    throw fail("ADDITEMS on " + typeName(top));
                }
                @SuppressWarnings("unchecked")
                Set<Object> set = (Set<Object>) top;
                for (Object item : items) {
                    set.add(hashable(item));
                }
            }
            case 0x91 -> {
                Set<Object> set = new LinkedHashSet<>();
                for (Object item : popMark()) {
                    set.add(hashable(item));
                }
                push(Set.copyOf(set));
            }
            case 'c' -> {
                String module = in.readLine(MAX_LINE, "GLOBAL module");
                String name = in.readLine(MAX_LINE, "GLOBAL name");
                push(PickleGlobals.resolve(module, name, origin));
            }
            case 0x93 -> {
                Object name = pop();
                Object module = pop();
                if (!(module instanceof String m) || !(name instanceof String n)) {
                    throw fail("STACK_GLOBAL needs two strings, got " + typeName(module) + " and " + typeName(name));
                }
                push(PickleGlobals.resolve(m, n, origin));
            }
            case 'i' -> { // INST: GLOBAL + call with the marked items
                String module = in.readLine(MAX_LINE, "INST module");
                String name = in.readLine(MAX_LINE, "INST name");
                Object callable = PickleGlobals.resolve(module, name, origin);
                push(call(callable, popMark()));
            }
            case 'o' -> { // OBJ
                List<Object> items = popMark();
                if (items.isEmpty()) {
                    throw fail("OBJ without a class");
                }
                push(call(items.get(0), items.subList(1, items.size())));
            }
            case 'R' -> {
                Object args = pop();
                Object callable = pop();
                if (!(args instanceof PyTuple t)) {
                    throw fail("REDUCE arguments must be a tuple, got " + typeName(args));
                }
                push(call(callable, t.items()));
            }
            case 0x81 -> { // NEWOBJ
                Object args = pop();
                Object cls = pop();
                if (!(args instanceof PyTuple t)) {
                    throw fail("NEWOBJ arguments must be a tuple, got " + typeName(args));
                }
                push(call(cls, t.items()));
            }
            case 0x92 -> { // NEWOBJ_EX
                Object kwargs = pop();
                Object args = pop();
                Object cls = pop();
                if (!(args instanceof PyTuple t) || !(kwargs instanceof PyDict kw) || !kw.isEmpty()) {
                    throw fail("NEWOBJ_EX needs a tuple and an empty dict of keyword arguments");
                }
                push(call(cls, t.items()));
            }
            case 'b' -> build(pop(), peek());
            case 'Q' -> push(persistent(pop()));
            case 'P' -> push(persistent(in.readLine(MAX_LINE, "PERSID")));
            case 'h' -> push(memoGet(in.readLittleEndian(1, "BINGET index")));
            case 'j' -> push(memoGet(in.readLittleEndian(4, "LONG_BINGET index")));
            case 'g' -> push(memoGet(parseIndex(in.readLine(MAX_LINE, "GET index"))));
            case 'q' -> memo.put(in.readLittleEndian(1, "BINPUT index"), peek());
            case 'r' -> memo.put(in.readLittleEndian(4, "LONG_BINPUT index"), peek());
            case 'p' -> memo.put(parseIndex(in.readLine(MAX_LINE, "PUT index")), peek());
            case 0x94 -> memo.put((long) memo.size(), peek());
            case 0x82, 0x83, 0x84 ->
                throw new UnsafePickleException(
                        "copyreg extension",
                        origin + ": refusing copyreg extension code (opcode " + describeOpcode(op) + ") at byte "
                                + opcodeStart);
            default -> throw fail("unknown or unsupported opcode");
        }
    }

    private Object call(Object callable, List<Object> args) {
        if (callable instanceof PickleGlobals.Callable c) {
            return Reducers.call(this, c, args);
        }
        if (callable instanceof PyGlobal g) {
            throw new UnsafePickleException(
                    g.qualifiedName(),
                    origin + ": refusing to call '" + g.qualifiedName() + "': it is allowed only as a value");
        }
        if (callable instanceof StorageType s) {
            throw new UnsafePickleException(
                    s.name(),
                    origin + ": refusing to call '" + s.name() + "': storages are only read through persistent ids");
        }
        throw fail("cannot call a " + typeName(callable));
    }

    private void build(Object state, Object target) {
        if (target instanceof PyObject o) {
            o.setState(state);
        } else if (target instanceof PyDict d && state instanceof PyDict s) {
            for (Map.Entry<Object, Object> e : s.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw fail("BUILD attribute name must be a string, got " + typeName(e.getKey()));
                }
                d.attributes().put(key, e.getValue());
            }
        } else if (target instanceof TensorRef
                && (state instanceof PyDict s && s.isEmpty() || state instanceof PyTuple t && t.size() == 0)) {
            return; // an empty Parameter / tensor state
        } else {
            throw fail("BUILD of " + typeName(state) + " on " + typeName(target) + " is not supported");
        }
    }

    private Object persistent(Object pid) {
        if (persistentLoad == null) {
            throw fail("persistent id in a pickle that may not reference storages");
        }
        return persistentLoad.apply(pid);
    }

    private Object memoGet(long index) {
        Object value = memo.get(index);
        if (value == null) {
            throw fail("memo index " + index + " was never stored");
        }
        return value;
    }

    private PyTuple tuple(List<Object> items) {
        PyTuple t = new PyTuple(items);
        if (t.depth() > MAX_TUPLE_DEPTH) {
            throw fail("tuples nested deeper than " + MAX_TUPLE_DEPTH);
        }
        return t;
    }

    private void put(PyDict dict, Object key, Object value) {
        dict.put(hashable(key), value);
    }

    private void putAll(PyDict dict, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw fail("odd number of items (" + items.size() + ") for a dict");
        }
        for (int i = 0; i < items.size(); i += 2) {
            put(dict, items.get(i), items.get(i + 1));
        }
    }

    /** {@code key} if Python could hash it (no list, dict or set inside), else a format error. */
    private Object hashable(Object key) {
        if (key instanceof PyTuple t) {
            for (Object item : t.items()) {
                hashable(item);
            }
            return key;
        }
        if (key instanceof PyList || key instanceof PyDict || key instanceof LinkedHashSet<?>) {
            throw fail("unhashable dict key or set member of type " + typeName(key));
        }
        return key;
    }

    private PyList asList(Object o) {
        if (o instanceof PyList l) {
            return l;
        }
        throw fail("APPEND to " + typeName(o) + ", not a list");
    }

    private PyDict asDict(Object o) {
        if (o instanceof PyDict d) {
            return d;
        }
        throw fail("SETITEM on " + typeName(o) + ", not a dict");
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        int fence = markCount == 0 ? 0 : marks[markCount - 1];
        if (stack.size() <= fence) {
            throw fail("stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        int fence = markCount == 0 ? 0 : marks[markCount - 1];
        if (stack.size() <= fence) {
            throw fail("stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        if (markCount == 0) {
            throw fail("no MARK on the stack");
        }
        int from = marks[--markCount];
        List<Object> sub = stack.subList(from, stack.size());
        List<Object> items = new ArrayList<>(sub);
        sub.clear();
        return items;
    }

    private Object readLong(long n) {
        if (n < 0 || n > MAX_INT_BYTES) {
            throw fail("integer of " + n + " bytes (limit " + MAX_INT_BYTES + ")");
        }
        byte[] le = in.readBytes(n, "LONG");
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Object parseIntLine(String s) {
        if (s.equals("00")) {
            return Boolean.FALSE;
        }
        if (s.equals("01")) {
            return Boolean.TRUE;
        }
        return parseLongLine(s);
    }

    private Object parseLongLine(String s) {
        String digits = s.endsWith("L") ? s.substring(0, s.length() - 1) : s;
        try {
            BigInteger v = new BigInteger(digits);
            return v.bitLength() < 64 ? (Object) v.longValue() : v;
        } catch (NumberFormatException e) {
            throw fail("bad integer '" + digits + "'");
        }
    }

    private Object parseFloat(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw fail("bad float '" + s + "'");
        }
    }

    private long parseIndex(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw fail("bad memo index '" + s + "'");
        }
    }

    private String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw fail("string is not valid UTF-8");
        }
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    String origin() {
        return origin;
    }

    /** A short type name for messages (never the value: values may be huge or cyclic). */
    static String typeName(Object o) {
        if (o == null) {
            return "null";
        }
        if (o instanceof PyGlobal g) {
            return "global " + g.qualifiedName();
        }
        if (o instanceof PickleGlobals.Callable c) {
            return "global " + c.global().qualifiedName();
        }
        if (o instanceof PyObject p) {
            return p.type().qualifiedName() + " object";
        }
        if (o instanceof byte[]) {
            return "bytes";
        }
        if (o instanceof PyList) {
            return "list";
        }
        if (o instanceof PyDict) {
            return "dict";
        }
        if (o instanceof PyTuple) {
            return "tuple";
        }
        if (o instanceof Set<?>) {
            return "set";
        }
        return o.getClass().getSimpleName();
    }
}
