package dev.vae4j.core.io;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.tensor.NativeBytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Writes named tensors to a safetensors file the way the Rust reference ({@code serialize_to_file}) does.
 *
 * <ul>
 *   <li>Tensors are sorted by dtype alignment descending ({@link SafetensorsDType} declaration order reversed), then by
 *       name (UTF-8 byte order), and written back to back from data offset 0.
 *   <li>The header is compact JSON (serde_json style): {@code __metadata__} first (omitted when the metadata is null or
 *       empty), then {@code {"dtype":..,"shape":[..],"data_offsets":[b,e]}} per tensor in offset order, padded with
 *       spaces to a multiple of 8 bytes.
 *   <li>The file is written to a hidden temp file in the same folder, flushed to disk, and atomically renamed onto
 *       {@code file}: readers never see a partial file, and on any failure the previous file (if any) is left intact
 *       and the temp file is removed.
 * </ul>
 *
 * <p>Any defined, strided tensor on any device is accepted (CPU, CUDA, non-contiguous views, lazily conjugated or
 * negated views): the bytes written are those of its contiguous CPU copy, little-endian, row-major.
 */
public final class SafetensorsWriter {

    private SafetensorsWriter() {}

    private record Item(
            String name, byte[] nameUtf8, SafetensorsDType dtype, long[] shape, long nbytes, Tensor tensor) {}

    /** Orders like the reference's {@code prepare}: dtype descending, then name ascending (UTF-8 bytes). */
    private static final Comparator<Item> ORDER = (a, b) -> {
        int c = Integer.compare(b.dtype.ordinal(), a.dtype.ordinal());
        return c != 0 ? c : Arrays.compareUnsigned(a.nameUtf8, b.nameUtf8);
    };

    /**
     * Writes {@code tensors} (name to tensor, any iteration order) and optional {@code metadata} to {@code file},
     * replacing an existing file atomically.
     *
     * @param file destination; its folder must exist
     * @param tensors names to tensors; names must not be {@code "__metadata__"}; tensors must be defined, strided, of a
     *     dtype safetensors knows (all but complex-half, quantized and bit types)
     * @param metadata string-to-string metadata stored under {@code __metadata__}, or {@code null} for none
     * @throws IllegalArgumentException if a name, tensor or metadata entry is invalid (nothing is written)
     * @throws FileAccessException if writing fails, {@code file} is a directory, or libtorch cannot copy a tensor to
     *     the CPU (e.g. a meta tensor, named in the message): the previous file, if any, is intact and no temp file is
     *     left
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(tensors, "tensors");
        List<Item> items = new ArrayList<>(tensors.size());
        for (Map.Entry<String, Tensor> en : tensors.entrySet()) {
            items.add(describe(en.getKey(), en.getValue()));
        }
        items.sort(ORDER);
        byte[] header = header(items, metadata);
        if (header.length > SafetensorsReader.MAX_HEADER_SIZE) {
            throw new IllegalArgumentException(
                    "safetensors header too large: " + header.length + " bytes > " + SafetensorsReader.MAX_HEADER_SIZE);
        }
        AtomicFiles.writeChannel(file, ch -> {
            ByteBuffer len =
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(header));
            for (Item it : items) {
                writeTensor(ch, it);
            }
        });
    }

    private static Item describe(String name, Tensor t) {
        if (name == null) {
            throw new IllegalArgumentException("null tensor name");
        }
        if (SafetensorsReader.METADATA_KEY.equals(name)) {
            throw new IllegalArgumentException("tensor name '" + name + "' is reserved for metadata");
        }
        byte[] utf8 = utf8(name, "tensor name");
        if (t == null || t.isNull() || !t.defined()) {
            throw new IllegalArgumentException("tensor '" + name + "' is null or undefined");
        }
        if (t.layout().value != torch.Layout.Strided.value) {
            throw new IllegalArgumentException(
                    "tensor '" + name + "' has layout " + t.layout() + "; only dense (strided) tensors can be written");
        }
        torch.ScalarType st = t.scalar_type().intern();
        SafetensorsDType dtype;
        try {
            dtype = SafetensorsDType.of(st);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage(), e);
        }
        int rank = (int) t.dim();
        long[] shape = new long[rank];
        for (int i = 0; i < rank; i++) {
            shape[i] = t.size(i);
        }
        long nbytes = Math.multiplyExact(t.numel(), t.element_size());
        return new Item(name, utf8, dtype, shape, nbytes, t);
    }

    private static byte[] utf8(String s, String what) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(what + " '" + s + "' contains an unpaired surrogate (not UTF-8)");
            }
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The serde_json-style compact header, space-padded to a multiple of 8 bytes. */
    private static byte[] header(List<Item> items, Map<String, String> metadata) {
        StringBuilder sb = new StringBuilder(64 + 96 * items.size());
        sb.append('{');
        boolean first = true;
        if (metadata != null && !metadata.isEmpty()) {
            sb.append("\"").append(SafetensorsReader.METADATA_KEY).append("\":{");
            boolean firstMeta = true;
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (m.getKey() == null || m.getValue() == null) {
                    throw new IllegalArgumentException("metadata keys and values must not be null: " + m);
                }
                utf8(m.getKey(), "metadata key");
                utf8(m.getValue(), "metadata value");
                if (!firstMeta) {
                    sb.append(',');
                }
                firstMeta = false;
                appendString(sb, m.getKey());
                sb.append(':');
                appendString(sb, m.getValue());
            }
            sb.append('}');
            first = false;
        }
        long offset = 0;
        for (Item it : items) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            appendString(sb, it.name);
            sb.append(":{\"dtype\":\"").append(it.dtype.name()).append("\",\"shape\":[");
            for (int i = 0; i < it.shape.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(it.shape[i]);
            }
            sb.append("],\"data_offsets\":[")
                    .append(offset)
                    .append(',')
                    .append(offset + it.nbytes)
                    .append("]}");
            offset += it.nbytes;
        }
        sb.append('}');
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (int) ((json.length + 7L) / 8 * 8);
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /**
     * JSON string literal exactly as serde_json writes it (short escapes for \b \t \n \f \r, else lower-case \\u00XX).
     */
    private static void appendString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\f' -> sb.append("\\f");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static void writeTensor(FileChannel ch, Item it) throws IOException {
        if (it.nbytes == 0) {
            return;
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor c = it.tensor;
            if (c.is_conj()) {
                c = c.resolve_conj();
            }
            if (c.is_neg()) {
                c = c.resolve_neg();
            }
            c = c.contiguous();
            if (!c.is_cpu()) {
                c = c.cpu().contiguous();
            }
            if (c.nbytes() != it.nbytes || !c.is_contiguous()) {
                throw new IllegalStateException(
                        "tensor '" + it.name + "': expected " + it.nbytes + " contiguous bytes, got " + c.nbytes());
            }
            long address = c.data_ptr().address();
            int chunk = Math.max(1, SafetensorsNative.chunkBytes);
            long done = 0;
            while (done < it.nbytes) {
                int len = (int) Math.min(chunk, it.nbytes - done);
                writeFully(ch, NativeBytes.view(address + done, len));
                done += len;
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
