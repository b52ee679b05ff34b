package dev.vae4j.core.io;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.tensor.NativeBytes;
import dev.vae4j.core.tensor.TensorScope;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
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
 * Reader of a safetensors file ({@code [u64 LE header length N][N bytes UTF-8 JSON header][data]}).
 *
 * <p>{@link #open} reads and validates the whole header exactly like the Rust reference
 * ({@code SafeTensors::read_metadata} + {@code Metadata::validate}): file shorter than 8 bytes, {@code N >
 * 100_000_000}, {@code N + 8} beyond the file, header not UTF-8, not a JSON object of the expected structure
 * (non-string metadata values, missing or unknown tensor fields, negative / non-integer / over {@code 2^48-1} shape or
 * offset values, {@code data_offsets} not of length 2), duplicate keys, unknown dtypes, offsets that are not contiguous
 * from 0 once sorted by begin (holes, overlaps, {@code end < begin}), byte counts different from {@code numel * bits /
 * 8}, and a data buffer not exactly covered by the tensors (truncated file or trailing bytes) all throw
 * {@link SafetensorsFormatException}. Leading and trailing JSON whitespace in the header is accepted (the writer pads
 * with spaces); nothing else may follow the JSON object.
 *
 * <p>Tensors are read lazily by {@link #load}: each tensor region is read straight from the file into a new libtorch
 * CPU tensor's memory (positional reads, no mapping: mapped pages would stay in the process's resident set until the
 * garbage collector unmaps them). Regions larger than 1 GiB (including tensors over 2 GiB) are read in 1 GiB chunks, so
 * there is no per-tensor size limit. The file stays open until {@link #close}. Instances are safe for concurrent
 * {@link #load} calls.
 */
public final class SafetensorsReader implements AutoCloseable {
    /** Largest accepted header ({@code MAX_HEADER_SIZE} of the reference), in bytes. */
    public static final long MAX_HEADER_SIZE = 100_000_000L;
    /** Largest shape or offset value accepted (the JSON schema's {@code 2^48 - 1}). */
    public static final long MAX_SIZE_VALUE = (1L << 48) - 1;
    /** Reserved header key of the string-to-string metadata map. */
    public static final String METADATA_KEY = "__metadata__";

    private final Path path;
    private final FileChannel channel;
    private final long fileLength;
    private final long dataStart;
    private final Map<String, SafetensorsEntry> entries;
    private final List<String> names;
    private final Map<String, String> metadata;
    private volatile boolean closed;

    private SafetensorsReader(
            Path path,
            FileChannel channel,
            long fileLength,
            long dataStart,
            List<SafetensorsEntry> sorted,
            Map<String, String> metadata) {
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
     * @throws FileAccessException if the file is missing, is a directory, or cannot be read
     */
    public static SafetensorsReader open(Path file) {
        Objects.requireNonNull(file, "file");
        if (Files.isDirectory(file)) {
            throw new FileAccessException(
                    "safetensors path is a directory, not a file: " + file,
                    new java.nio.file.NotDirectoryException(file.toString()));
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new FileAccessException("safetensors file not found: " + file, e);
        } catch (IOException e) {
            throw new FileAccessException("cannot open safetensors file " + file + ": " + e.getMessage(), e);
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
                throw new SafetensorsFormatException(
                        file,
                        "header too small: the file has " + fileLength
                                + " bytes, fewer than the 8-byte header length field");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.getLong(0);
            if (n < 0 || n > MAX_HEADER_SIZE) {
                throw new SafetensorsFormatException(
                        file,
                        "header too large: header length " + Long.toUnsignedString(n) + " exceeds the maximum of "
                                + MAX_HEADER_SIZE + " bytes");
            }
            if (n + 8 > fileLength) {
                throw new SafetensorsFormatException(
                        file,
                        "invalid header length: 8 + " + n + " = " + (n + 8) + " bytes exceeds the file length of "
                                + fileLength + " bytes");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
            readFully(ch, headerBuf, 8);
            headerBuf.flip();
            long dataStart = 8 + n;
            SafetensorsHeader header = SafetensorsHeader.parse(file, headerBuf, fileLength - dataStart);
            return new SafetensorsReader(file, ch, fileLength, dataStart, header.entries(), header.metadata());
        } catch (IOException e) {
            throw new FileAccessException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int r = ch.read(dst, pos);
            if (r < 0) {
                throw new EOFException("unexpected end of file at byte " + pos);
            }
            pos += r;
        }
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
            throw new IllegalArgumentException(
                    "no tensor '" + name + "' in " + path + " (" + entries.size() + " tensors)");
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
     * Loads tensor {@code name} into a new CPU tensor with the file's dtype and shape that owns its memory (read
     * straight from the file into the tensor, no Java heap array). The tensor attaches to the caller's innermost
     * {@link PointerScope}, if any, like any other new tensor.
     *
     * @throws IllegalArgumentException if the file has no tensor {@code name}
     * @throws SafetensorsFormatException if the dtype has no libtorch equivalent (F4, F6_*), or the file was truncated
     *     or changed since it was opened
     * @throws FileAccessException for IO errors
     * @throws IllegalStateException if the reader is closed
     */
    public Tensor load(String name) {
        ensureOpen();
        SafetensorsEntry e = entry(name);
        torch.ScalarType st = e.dtype().scalarType();
        if (st == null) {
            throw new SafetensorsFormatException(
                    path,
                    "tensor '" + name + "' has dtype " + e.dtype()
                            + ", which libtorch cannot represent; it can be listed but not loaded");
        }
        long n = e.byteLength();
        try (TensorScope scope = new TensorScope()) {
            Tensor t = torch.empty(e.shape(), new TensorOptions(st), new MemoryFormatOptional());
            if (t.nbytes() != n) {
                throw new IllegalStateException(
                        "tensor '" + name + "': libtorch allocated " + t.nbytes() + " bytes, expected " + n);
            }
            if (n > 0) {
                copyFromFile(e, t.data_ptr().address(), n);
            }
            return scope.keep(t);
        }
    }

    private void copyFromFile(SafetensorsEntry e, long address, long n) {
        long position = dataStart + e.begin();
        try {
            if (channel.size() < fileLength) {
                throw new SafetensorsFormatException(
                        path,
                        "the file was truncated since it was opened (" + channel.size() + " < " + fileLength
                                + " bytes) while loading tensor '" + e.name() + "'");
            }
            int chunk = Math.max(1, SafetensorsNative.chunkBytes);
            long done = 0;
            while (done < n) {
                int len = (int) Math.min(chunk, n - done);
                // read, not map: mapped pages would count in the process's RSS until the GC unmaps them
                readFully(channel, NativeBytes.view(address + done, len), position + done);
                done += len;
            }
        } catch (EOFException ex) {
            throw new SafetensorsFormatException(path, "the file changed while loading tensor '" + e.name() + "'", ex);
        } catch (IOException ex) {
            throw new FileAccessException(
                    "cannot read tensor '" + e.name() + "' from " + path + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Loads every tensor ({@link #load}) into a map in {@link #names()} order.
     *
     * @throws SafetensorsFormatException if some tensor has a dtype libtorch cannot represent (checked before anything
     *     is loaded)
     */
    public Map<String, Tensor> loadAll() {
        ensureOpen();
        for (SafetensorsEntry e : entries.values()) {
            if (!e.dtype().hasScalarType()) {
                throw new SafetensorsFormatException(
                        path,
                        "tensor '" + e.name() + "' has dtype " + e.dtype()
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
            throw new FileAccessException("cannot close " + path, e);
        }
    }

    @Override
    public String toString() {
        return "SafetensorsReader[" + path + ", " + entries.size() + " tensors, data at byte " + dataStart + "]";
    }
}
