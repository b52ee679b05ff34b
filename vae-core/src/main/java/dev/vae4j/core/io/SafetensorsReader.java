package dev.vae4j.core.io;

import dev.vae4j.core.tensor.NativeBytes;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Memory-mapped reader of a safetensors file ({@code [u64 LE header length N][N bytes UTF-8 JSON header][data]}).
 *
 * <p>{@link #open} reads and validates the whole header exactly like the Rust reference
 * ({@code SafeTensors::read_metadata} + {@code Metadata::validate}): file shorter than 8 bytes, {@code N >
 * 100_000_000}, {@code N + 8} beyond the file, header not UTF-8, not a JSON object of the expected structure
 * (non-string metadata values, missing or unknown tensor fields, negative / non-integer / over {@code 2^48-1}
 * shape or offset values, {@code data_offsets} not of length 2), duplicate keys, unknown dtypes, offsets that are
 * not contiguous from 0 once sorted by begin (holes, overlaps, {@code end < begin}), byte counts different from
 * {@code numel * bits / 8}, and a data buffer not exactly covered by the tensors (truncated file or trailing
 * bytes) all throw {@link SafetensorsFormatException}. Leading and trailing JSON whitespace in the header is
 * accepted (the writer pads with spaces); nothing else may follow the JSON object.
 *
 * <p>Tensors are read lazily by {@link #load}: each tensor region is mapped read-only and copied once into a new
 * libtorch CPU tensor. Regions larger than 1 GiB (including tensors over 2 GiB) are mapped and copied in 1 GiB
 * chunks, so there is no per-tensor size limit. The file stays open until {@link #close}. Instances are safe for
 * concurrent {@link #load} calls.
 */
public final class SafetensorsReader implements AutoCloseable {
    /** Largest accepted header ({@code MAX_HEADER_SIZE} of the reference), in bytes. */
    public static final long MAX_HEADER_SIZE = 100_000_000L;
    /** Largest shape or offset value accepted (the JSON schema's {@code 2^48 - 1}). */
    public static final long MAX_SIZE_VALUE = (1L << 48) - 1;
    /** Reserved header key of the string-to-string metadata map. */
    public static final String METADATA_KEY = "__metadata__";

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength((int) MAX_HEADER_SIZE)
                    .maxNameLength((int) MAX_HEADER_SIZE)
                    .maxNumberLength(1000)
                    .build())
            .build();

    private final Path path;
    private final FileChannel channel;
    private final long fileLength;
    private final long dataStart;
    private final Map<String, SafetensorsEntry> entries;
    private final List<String> names;
    private final Map<String, String> metadata;
    private volatile boolean closed;

    private SafetensorsReader(Path path, FileChannel channel, long fileLength, long dataStart,
                              List<SafetensorsEntry> sorted, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.fileLength = fileLength;
        this.dataStart = dataStart;
        Map<String, SafetensorsEntry> m = new LinkedHashMap<>();
        for (SafetensorsEntry e : sorted) {
            m.put(e.name(), e);
        }
        this.entries = Collections.unmodifiableMap(m);
        this.names = List.copyOf(m.keySet());
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /**
     * Opens {@code file}, reads and validates its header. The file stays open (and is read on {@link #load}) until
     * {@link #close}.
     *
     * @throws SafetensorsFormatException if the file is not a valid safetensors file
     * @throws UncheckedIOException       if the file is missing, is a directory, or cannot be read
     */
    public static SafetensorsReader open(Path file) {
        Objects.requireNonNull(file, "file");
        if (Files.isDirectory(file)) {
            throw new UncheckedIOException(new IOException("safetensors path is a directory, not a file: " + file));
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("safetensors file not found: " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open safetensors file " + file + ": " + e.getMessage(), e);
        }
        try {
            return readHeader(file, ch);
        } catch (RuntimeException | Error e) {
            try {
                ch.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static SafetensorsReader readHeader(Path file, FileChannel ch) {
        try {
            long fileLength = ch.size();
            if (fileLength < 8) {
                throw new SafetensorsFormatException(file, "header too small: the file has " + fileLength
                        + " bytes, fewer than the 8-byte header length field");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.getLong(0);
            if (n < 0 || n > MAX_HEADER_SIZE) {
                throw new SafetensorsFormatException(file, "header too large: header length "
                        + Long.toUnsignedString(n) + " exceeds the maximum of " + MAX_HEADER_SIZE + " bytes");
            }
            if (n + 8 > fileLength) {
                throw new SafetensorsFormatException(file, "invalid header length: 8 + " + n + " = " + (n + 8)
                        + " bytes exceeds the file length of " + fileLength + " bytes");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
            readFully(ch, headerBuf, 8);
            headerBuf.flip();
            String text = decodeUtf8(file, headerBuf);
            Header header = parseHeader(file, text);
            long dataStart = 8 + n;
            List<SafetensorsEntry> sorted = validate(file, header.tensors, fileLength - dataStart);
            return new SafetensorsReader(file, ch, fileLength, dataStart, sorted, header.metadata);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int r = ch.read(dst, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += r;
        }
    }

    private static String decodeUtf8(Path file, ByteBuffer bytes) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer out = CharBuffer.allocate(bytes.remaining());
        CoderResult r = dec.decode(bytes, out, true);
        if (!r.isError()) {
            r = dec.flush(out);
        }
        if (r.isError()) {
            throw new SafetensorsFormatException(file, "invalid UTF-8 in header at header byte " + bytes.position()
                    + " (file offset " + (8 + bytes.position()) + ")");
        }
        out.flip();
        return out.toString();
    }

    /** A tensor entry as read from JSON, before validation. */
    private record RawEntry(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {
    }

    private record Header(List<RawEntry> tensors, Map<String, String> metadata) {
    }

    private static Header parseHeader(Path file, String text) {
        int first = 0;
        while (first < text.length() && isJsonWhitespace(text.charAt(first))) {
            first++;
        }
        if (first == text.length()) {
            throw new SafetensorsFormatException(file, "invalid JSON in header: the header is empty or all whitespace");
        }
        if (text.charAt(first) != '{') {
            throw new SafetensorsFormatException(file, "invalid JSON in header: the header must be a JSON object"
                    + " starting with '{', found '" + printable(text.charAt(first)) + "' at header byte " + first);
        }
        List<RawEntry> tensors = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new SafetensorsFormatException(file, "invalid JSON in header: the header must be a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                checkString(file, key, "header key");
                p.nextToken();
                if (METADATA_KEY.equals(key)) {
                    readMetadata(file, p, metadata);
                } else {
                    tensors.add(readTensor(file, p, key));
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new SafetensorsFormatException(file, "invalid JSON in header: unexpected " + t);
            }
            JsonToken after = p.nextToken();
            if (after != null) {
                throw new SafetensorsFormatException(file, "invalid JSON in header: trailing characters after the"
                        + " header object at " + location(p.currentTokenLocation()));
            }
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage();
            String what = msg != null && msg.toLowerCase(java.util.Locale.ROOT).contains("duplicate")
                    ? "duplicate key in header: " : "invalid JSON in header: ";
            throw new SafetensorsFormatException(file, what + msg + " at " + location(e.getLocation()), e);
        } catch (IOException e) {
            throw new SafetensorsFormatException(file, "invalid JSON in header: " + e.getMessage(), e);
        }
        return new Header(tensors, metadata);
    }

    private static void readMetadata(Path file, JsonParser p, Map<String, String> out) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return; // Option<HashMap> in the reference: null means no metadata
        }
        if (t != JsonToken.START_OBJECT) {
            throw new SafetensorsFormatException(file, "invalid JSON in header: " + METADATA_KEY
                    + " must be an object of string values, found " + describe(t));
        }
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String k = p.currentName();
            checkString(file, k, "metadata key");
            JsonToken v = p.nextToken();
            if (v != JsonToken.VALUE_STRING) {
                throw new SafetensorsFormatException(file, "invalid JSON in header: metadata value of '" + k
                        + "' must be a string, found " + describe(v) + " (arbitrary JSON is not allowed in "
                        + METADATA_KEY + ")");
            }
            String value = p.getText();
            checkString(file, value, "metadata value of '" + k + "'");
            out.put(k, value);
        }
    }

    private static RawEntry readTensor(Path file, JsonParser p, String name) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.START_OBJECT) {
            throw new SafetensorsFormatException(file, "invalid JSON in header: tensor '" + name
                    + "' must be an object with dtype, shape and data_offsets, found " + describe(t));
        }
        String dtype = null;
        long[] shape = null;
        long[] offsets = null;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "dtype" -> {
                    if (v != JsonToken.VALUE_STRING) {
                        throw new SafetensorsFormatException(file, "invalid JSON in header: tensor '" + name
                                + "': dtype must be a string, found " + describe(v));
                    }
                    dtype = p.getText();
                }
                case "shape" -> shape = readSizes(file, p, name, "shape");
                case "data_offsets" -> {
                    offsets = readSizes(file, p, name, "data_offsets");
                    if (offsets.length != 2) {
                        throw new SafetensorsFormatException(file, "invalid JSON in header: tensor '" + name
                                + "': data_offsets must hold exactly 2 integers [begin, end], found "
                                + offsets.length);
                    }
                }
                default -> throw new SafetensorsFormatException(file, "invalid JSON in header: tensor '" + name
                        + "' has unknown field '" + field + "' (allowed: dtype, shape, data_offsets)");
            }
        }
        String missing = dtype == null ? "dtype" : shape == null ? "shape" : offsets == null ? "data_offsets" : null;
        if (missing != null) {
            throw new SafetensorsFormatException(file, "invalid JSON in header: tensor '" + name
                    + "' is missing field '" + missing + "'");
        }
        SafetensorsDType dt;
        try {
            dt = SafetensorsDType.parse(dtype);
        } catch (SafetensorsFormatException e) {
            throw new SafetensorsFormatException(file, "invalid JSON in header: tensor '" + name
                    + "' has unknown dtype '" + dtype + "'", e);
        }
        return new RawEntry(name, dt, shape, offsets[0], offsets[1]);
    }

    /** Reads a JSON array of integers in 0..2^48-1. */
    private static long[] readSizes(Path file, JsonParser p, String name, String field) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new SafetensorsFormatException(file, "invalid JSON in header: tensor '" + name + "': " + field
                    + " must be an array of non-negative integers, found " + describe(p.currentToken()));
        }
        long[] out = new long[4];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            String prefix = "invalid JSON in header: tensor '" + name + "': " + field + "[" + n + "] ";
            if (t == JsonToken.VALUE_NUMBER_FLOAT) {
                throw new SafetensorsFormatException(file, prefix + "is not an integer: " + p.getText());
            }
            if (t != JsonToken.VALUE_NUMBER_INT) {
                throw new SafetensorsFormatException(file, prefix + "must be a non-negative integer, found "
                        + describe(t));
            }
            JsonParser.NumberType nt = p.getNumberType();
            if (nt == JsonParser.NumberType.BIG_INTEGER) {
                String s = p.getText();
                throw new SafetensorsFormatException(file, prefix + (s.startsWith("-") ? "is negative: "
                        : "overflows (maximum " + MAX_SIZE_VALUE + "): ") + s);
            }
            long v = p.getLongValue();
            if (v < 0) {
                throw new SafetensorsFormatException(file, prefix + "is negative: " + v);
            }
            if (v > MAX_SIZE_VALUE) {
                throw new SafetensorsFormatException(file, prefix + "overflows (maximum " + MAX_SIZE_VALUE + "): " + v);
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = v;
        }
        return Arrays.copyOf(out, n);
    }

    /** Rejects strings with unpaired surrogates (which JSON escapes can express but UTF-8 and serde_json cannot). */
    private static void checkString(Path file, String s, String what) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                throw new SafetensorsFormatException(file, "invalid JSON in header: " + what
                        + " contains an unpaired surrogate escape");
            }
            if (Character.isLowSurrogate(c)) {
                throw new SafetensorsFormatException(file, "invalid JSON in header: " + what
                        + " contains an unpaired surrogate escape");
            }
        }
    }

    /**
     * The reference's {@code Metadata::validate} plus the full-coverage check: sorts by (begin, end), requires
     * contiguous offsets from 0 and byte counts of {@code numel * bits / 8}, and that the last end equals the data
     * buffer length.
     */
    private static List<SafetensorsEntry> validate(Path file, List<RawEntry> raw, long bufferLength) {
        List<RawEntry> sorted = new ArrayList<>(raw);
        sorted.sort(Comparator.comparingLong(RawEntry::begin).thenComparingLong(RawEntry::end));
        List<SafetensorsEntry> out = new ArrayList<>(sorted.size());
        long start = 0;
        String previous = null;
        for (RawEntry e : sorted) {
            if (e.begin() != start || e.end() < e.begin()) {
                String why;
                if (e.end() < e.begin()) {
                    why = "end " + e.end() + " is before begin " + e.begin();
                } else if (e.begin() > start) {
                    why = "hole: begin " + e.begin() + " but " + (previous == null ? "the data buffer starts at 0"
                            : "the previous tensor '" + previous + "' ends at " + start);
                } else {
                    why = "overlap: begin " + e.begin() + " but " + (previous == null ? "the data buffer starts at 0"
                            : "the previous tensor '" + previous + "' ends at " + start);
                }
                throw new SafetensorsFormatException(file, "invalid offset for tensor '" + e.name()
                        + "': data_offsets [" + e.begin() + ", " + e.end() + "]: " + why);
            }
            start = e.end();
            previous = e.name();
            long nbits;
            try {
                long numel = 1;
                for (long d : e.shape()) {
                    numel = Math.multiplyExact(numel, d);
                }
                nbits = Math.multiplyExact(numel, (long) e.dtype().bits());
            } catch (ArithmeticException ex) {
                throw new SafetensorsFormatException(file, "overflow computing the byte size of tensor '" + e.name()
                        + "' from shape " + Arrays.toString(e.shape()) + " and dtype " + e.dtype());
            }
            if (nbits % 8 != 0) {
                throw new SafetensorsFormatException(file, "misaligned tensor '" + e.name() + "': shape "
                        + Arrays.toString(e.shape()) + " of " + e.dtype() + " (" + e.dtype().bits()
                        + " bits) is " + nbits + " bits, not a whole number of bytes");
            }
            long expected = nbits / 8;
            if (e.end() - e.begin() != expected) {
                throw new SafetensorsFormatException(file, "invalid byte count for tensor '" + e.name() + "': dtype "
                        + e.dtype() + " with shape " + Arrays.toString(e.shape()) + " needs " + expected
                        + " bytes but data_offsets [" + e.begin() + ", " + e.end() + "] span "
                        + (e.end() - e.begin()));
            }
            out.add(new SafetensorsEntry(e.name(), e.dtype(), e.shape(), e.begin(), e.end()));
        }
        if (start != bufferLength) {
            if (start > bufferLength) {
                throw new SafetensorsFormatException(file, "incomplete data buffer (file truncated?): the tensors need "
                        + start + " data bytes but the file holds only " + bufferLength + " after the header");
            }
            throw new SafetensorsFormatException(file, "incomplete metadata, file not fully covered: the tensors end"
                    + " at data byte " + start + " but the data buffer holds " + bufferLength + " bytes ("
                    + (bufferLength - start) + " trailing bytes not covered by any tensor)");
        }
        return out;
    }

    private static boolean isJsonWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    private static String printable(char c) {
        return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c);
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "end of input";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a floating-point number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }

    private static String location(JsonLocation loc) {
        if (loc == null) {
            return "unknown position";
        }
        return "header line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    /** Tensor names in data-offset order (the order of the data buffer). */
    public List<String> names() {
        return names;
    }

    /**
     * The header entry of {@code name}.
     *
     * @throws IllegalArgumentException if the file has no tensor {@code name}
     */
    public SafetensorsEntry entry(String name) {
        SafetensorsEntry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + path + " (" + entries.size()
                    + " tensors)");
        }
        return e;
    }

    /** Whether the file has a tensor {@code name}. */
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** All header entries, keyed by name, in data-offset order (unmodifiable). */
    public Map<String, SafetensorsEntry> entries() {
        return entries;
    }

    /** The {@code __metadata__} string map (unmodifiable, header order); empty if the file has none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The file this reader reads. */
    public Path path() {
        return path;
    }

    /** Offset of the data buffer in the file: {@code 8 + N}. */
    public long dataStart() {
        return dataStart;
    }

    /**
     * Loads tensor {@code name} into a new CPU tensor with the file's dtype and shape that owns its memory (one copy
     * from the mapped file, no Java heap array). The tensor attaches to the caller's innermost {@link PointerScope},
     * if any, like any other new tensor.
     *
     * @throws IllegalArgumentException   if the file has no tensor {@code name}
     * @throws SafetensorsFormatException if the dtype has no libtorch equivalent (F4, F6_*), or the file was
     *                                    truncated or changed since it was opened
     * @throws UncheckedIOException       for IO errors
     * @throws IllegalStateException      if the reader is closed
     */
    public Tensor load(String name) {
        ensureOpen();
        SafetensorsEntry e = entry(name);
        torch.ScalarType st = e.dtype().scalarType();
        if (st == null) {
            throw new SafetensorsFormatException(path, "tensor '" + name + "' has dtype " + e.dtype()
                    + ", which libtorch cannot represent; it can be listed but not loaded");
        }
        long n = e.byteLength();
        PointerScope outer = PointerScope.getInnerScope();
        try (PointerScope inner = new PointerScope()) {
            Tensor t = torch.empty(e.shape(), new TensorOptions(st), new MemoryFormatOptional());
            if (t.nbytes() != n) {
                throw new IllegalStateException("tensor '" + name + "': libtorch allocated " + t.nbytes()
                        + " bytes, expected " + n);
            }
            if (n > 0) {
                copyFromFile(e, t.data_ptr().address(), n);
            }
            return NativeBytes.escape(t, inner, outer);
        }
    }

    private void copyFromFile(SafetensorsEntry e, long address, long n) {
        long position = dataStart + e.begin();
        try {
            if (channel.size() < fileLength) {
                throw new SafetensorsFormatException(path, "the file was truncated since it was opened ("
                        + channel.size() + " < " + fileLength + " bytes) while loading tensor '" + e.name() + "'");
            }
            int chunk = Math.max(1, SafetensorsNative.chunkBytes);
            long done = 0;
            while (done < n) {
                int len = (int) Math.min(chunk, n - done);
                MappedByteBuffer src = channel.map(FileChannel.MapMode.READ_ONLY, position + done, len);
                ByteBuffer dst = NativeBytes.view(address + done, len);
                dst.put(src);
                done += len;
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read tensor '" + e.name() + "' from " + path + ": "
                    + ex.getMessage(), ex);
        } catch (InternalError | BufferUnderflowException ex) {
            // a mapped page vanished (file truncated by someone else): the JVM turns SIGBUS into InternalError
            throw new SafetensorsFormatException(path, "the file changed while loading tensor '" + e.name() + "'", ex);
        }
    }

    /**
     * Loads every tensor ({@link #load}) into a map in {@link #names()} order.
     *
     * @throws SafetensorsFormatException if some tensor has a dtype libtorch cannot represent (checked before
     *                                    anything is loaded)
     */
    public Map<String, Tensor> loadAll() {
        ensureOpen();
        for (SafetensorsEntry e : entries.values()) {
            if (!e.dtype().hasScalarType()) {
                throw new SafetensorsFormatException(path, "tensor '" + e.name() + "' has dtype " + e.dtype()
                        + ", which libtorch cannot represent; it can be listed but not loaded");
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : names) {
            out.put(name, load(name));
        }
        return out;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("safetensors reader for " + path + " is closed");
        }
    }

    /** Closes the file. Loaded tensors stay valid (they own their memory). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + path, e);
        }
    }

    @Override
    public String toString() {
        return "SafetensorsReader[" + path + ", " + entries.size() + " tensors, data at byte " + dataStart + "]";
    }
}
