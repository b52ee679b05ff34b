package dev.vae4j.core.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.NativeBytes;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** Helpers for the safetensors tests: tensors from raw bytes, raw bytes of tensors, hand-built files. */
final class SafetensorsTestSupport {
    private SafetensorsTestSupport() {}

    /**
     * A new contiguous CPU tensor of {@code st} and {@code shape} holding exactly {@code data} (little-endian bytes).
     */
    static Tensor fromBytes(byte[] data, torch.ScalarType st, long... shape) {
        try (TensorScope scope = new TensorScope()) {
            Tensor t = torch.empty(shape, new TensorOptions(st), new MemoryFormatOptional());
            if (t.nbytes() != data.length) {
                throw new IllegalArgumentException("need " + t.nbytes() + " bytes, got " + data.length);
            }
            if (data.length > 0) {
                NativeBytes.view(t.data_ptr().address(), data.length).put(data);
            }
            return scope.keep(t);
        }
    }

    /** The bytes of the contiguous CPU copy of {@code t}, row-major. */
    static byte[] bytesOf(Tensor t) {
        try (PointerScope scope = new PointerScope()) {
            Tensor c = t.contiguous().cpu().contiguous();
            byte[] out = new byte[(int) c.nbytes()];
            if (out.length > 0) {
                NativeBytes.view(c.data_ptr().address(), out.length).get(out);
            }
            return out;
        }
    }

    /** Shape of {@code t} as an array. */
    static long[] shapeOf(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.size(i);
        }
        return s;
    }

    /** {@code [u64 LE header.length][header][data]}. */
    static byte[] rawFile(byte[] header, byte[] data) {
        return rawFile(header.length, header, data);
    }

    /** {@code [u64 LE n][header][data]} with an arbitrary declared length {@code n}. */
    static byte[] rawFile(long n, byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(n).put(header).put(data);
        return b.array();
    }

    /** A file with the given JSON header (UTF-8, unpadded) and data. */
    static byte[] rawFile(String json, byte[] data) {
        return rawFile(json.getBytes(StandardCharsets.UTF_8), data);
    }

    static Path put(Path dir, String name, byte[] content) {
        try {
            return Files.write(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts that opening (and loading everything from) {@code file} throws a format error naming all fragments. */
    static SafetensorsFormatException assertFormatError(Path file, String... fragments) {
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> {
            try (PointerScope scope = new PointerScope();
                    SafetensorsReader r = SafetensorsReader.open(file)) {
                r.loadAll();
            }
        });
        assertTrue(e.getMessage().contains(file.toString()), () -> "message should name the file: " + e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "message should contain '" + f + "': " + e.getMessage());
        }
        return e;
    }

    static byte[] hex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
