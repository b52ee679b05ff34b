package dev.vae4j.core.io;

import static dev.vae4j.core.io.SafetensorsTestSupport.bytesOf;
import static dev.vae4j.core.io.SafetensorsTestSupport.fromBytes;
import static dev.vae4j.core.io.SafetensorsTestSupport.put;
import static dev.vae4j.core.io.SafetensorsTestSupport.rawFile;
import static dev.vae4j.core.io.SafetensorsTestSupport.shapeOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.FileAccessException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    private static void assertSameTensor(Tensor expected, Tensor actual) {
        assertEquals(expected.scalar_type().intern(), actual.scalar_type().intern());
        assertArrayEquals(shapeOf(expected), shapeOf(actual));
        assertTrue(actual.is_cpu());
        assertTrue(actual.is_contiguous());
        assertArrayEquals(bytesOf(expected), bytesOf(actual));
    }

    @Test
    void roundTripsCommonDtypesScalarsEmptyTensorsAndMetadata() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(1);
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("f32", torch.randn(2, 3, 4));
            in.put("f16", torch.randn(5, 7).to(torch.ScalarType.Half));
            in.put("bf16", torch.randn(3, 1, 2).to(torch.ScalarType.BFloat16));
            in.put(
                    "i64",
                    torch.arange(new Scalar(-6L), new Scalar(6L), new TensorOptions(torch.ScalarType.Long))
                            .view(3, 4));
            in.put("bool", torch.randn(4, 4).gt(new Scalar(0.0)));
            in.put("u8", torch.arange(new Scalar(250L), new TensorOptions(torch.ScalarType.Byte)));
            in.put("scalar_f32", torch.randn(new long[0]));
            in.put("scalar_i64", fromBytes(new byte[] {42, 0, 0, 0, 0, 0, 0, 0}, torch.ScalarType.Long));
            in.put("empty_f32", torch.randn(0, 3));
            in.put("empty_bf16", torch.randn(2, 0).to(torch.ScalarType.BFloat16));
            in.put("empty_u8", fromBytes(new byte[0], torch.ScalarType.Byte, 0));
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put("note", "quote \" backslash \\ newline \n tab \t unicode \u00e9\u4e2d\ud83d\ude00 ctrl \u0001");
            Path f = dir.resolve("model.safetensors");
            SafetensorsWriter.write(f, in, meta);

            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                assertEquals(meta, r.metadata());
                assertEquals(List.copyOf(r.names()).size(), in.size());
                assertEquals(in.keySet(), new java.util.HashSet<>(r.names()));
                for (Map.Entry<String, Tensor> e : in.entrySet()) {
                    assertTrue(r.contains(e.getKey()));
                    SafetensorsEntry entry = r.entry(e.getKey());
                    assertArrayEquals(shapeOf(e.getValue()), entry.shape());
                    assertEquals(e.getValue().nbytes(), entry.byteLength());
                    assertSameTensor(e.getValue(), r.load(e.getKey()));
                }
                Tensor s = r.load("scalar_i64");
                assertEquals(0, s.dim());
                assertEquals(42L, s.item_long());
                Map<String, Tensor> all = r.loadAll();
                assertEquals(r.names(), List.copyOf(all.keySet()));
                assertTrue(torch.equal(in.get("f32"), all.get("f32")));
                assertTrue(torch.equal(in.get("bool"), all.get("bool")));
                assertEquals(0, all.get("empty_f32").numel());
                assertArrayEquals(new long[] {0, 3}, shapeOf(all.get("empty_f32")));
            }
        }
    }

    @Test
    void namesAreInDataOffsetOrderAndEntriesDescribeTheLayout() {
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("b", torch.zeros(2)); // F32, 8 bytes
            in.put("a", torch.zeros(3).to(torch.ScalarType.Half)); // F16, 6 bytes
            in.put("c", torch.zeros(1).to(torch.ScalarType.Double)); // F64, 8 bytes
            in.put("d", torch.zeros(2)); // F32, 8 bytes
            Path f = dir.resolve("order.safetensors");
            SafetensorsWriter.write(f, in, null);
            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                assertEquals(List.of("c", "b", "d", "a"), r.names());
                assertEquals(new SafetensorsEntry("c", SafetensorsDType.F64, new long[] {1}, 0, 8), r.entry("c"));
                assertEquals(new SafetensorsEntry("b", SafetensorsDType.F32, new long[] {2}, 8, 16), r.entry("b"));
                assertEquals(new SafetensorsEntry("d", SafetensorsDType.F32, new long[] {2}, 16, 24), r.entry("d"));
                assertEquals(new SafetensorsEntry("a", SafetensorsDType.F16, new long[] {3}, 24, 30), r.entry("a"));
                assertTrue(r.metadata().isEmpty());
                assertEquals(f, r.path());
            }
        }
    }

    @Test
    void nonContiguousInputsAreWrittenAsTheirContiguousBytes() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(2);
            Tensor base = torch.randn(4, 6, 5);
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("transposed", base.transpose(0, 2));
            in.put(
                    "strided",
                    base.slice(
                            1, new org.bytedeco.pytorch.LongOptional(1), new org.bytedeco.pytorch.LongOptional(6), 2));
            in.put("selected", base.select(2, 3));
            in.put("expanded", torch.randn(1, 3).expand(4, 3));
            in.put("flipped_half", base.flip(0).to(torch.ScalarType.Half).permute(2, 0, 1));
            for (Tensor t : in.values()) {
                assertFalse(t.is_contiguous());
            }
            Path f = dir.resolve("noncontig.safetensors");
            SafetensorsWriter.write(f, in, Map.of());
            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                for (Map.Entry<String, Tensor> e : in.entrySet()) {
                    Tensor loaded = r.load(e.getKey());
                    assertTrue(torch.equal(e.getValue().contiguous(), loaded), e.getKey());
                    assertSameTensor(e.getValue(), loaded);
                }
            }
        }
    }

    @Test
    void everyTorchDtypeRoundTripsBitExactly() {
        Random rnd = new Random(3);
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            for (SafetensorsDType d : SafetensorsDType.values()) {
                if (!d.hasScalarType()) {
                    continue;
                }
                byte[] bytes = new byte[3 * 5 * d.bits() / 8];
                rnd.nextBytes(bytes);
                if (d == SafetensorsDType.BOOL) {
                    for (int i = 0; i < bytes.length; i++) {
                        bytes[i] = (byte) (bytes[i] & 1);
                    }
                }
                in.put("t_" + d, fromBytes(bytes, d.scalarType(), 3, 5));
                assertEquals(d, SafetensorsDType.of(d.scalarType()));
            }
            Path f = dir.resolve("dtypes.safetensors");
            SafetensorsWriter.write(f, in, null);
            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                for (Map.Entry<String, Tensor> e : in.entrySet()) {
                    assertEquals(
                            SafetensorsDType.of(e.getValue().scalar_type()),
                            r.entry(e.getKey()).dtype());
                    assertSameTensor(e.getValue(), r.load(e.getKey()));
                }
            }
        }
    }

    @Test
    void chunkedCopiesGiveTheSameBytes() {
        int saved = SafetensorsNative.chunkBytes;
        try (PointerScope scope = new PointerScope()) {
            SafetensorsNative.chunkBytes = 7; // forces many map/copy chunks, like a >2 GiB tensor would
            torch.manual_seed(4);
            Map<String, Tensor> in =
                    Map.of("x", torch.randn(101), "y", torch.randn(3, 3).to(torch.ScalarType.Double));
            Path f = dir.resolve("chunks.safetensors");
            SafetensorsWriter.write(f, in, null);
            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                for (Map.Entry<String, Tensor> e : in.entrySet()) {
                    assertSameTensor(e.getValue(), r.load(e.getKey()));
                }
            }
            SafetensorsNative.chunkBytes = saved;
            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                assertSameTensor(in.get("x"), r.load("x"));
            }
        } finally {
            SafetensorsNative.chunkBytes = saved;
        }
    }

    @Test
    void loadedTensorsBelongToTheCallersScope() {
        Path f = dir.resolve("scope.safetensors");
        try (PointerScope scope = new PointerScope()) {
            SafetensorsWriter.write(f, Map.of("x", torch.ones(4)), null);
        }
        try (SafetensorsReader r = SafetensorsReader.open(f)) {
            Tensor inScope;
            try (PointerScope scope = new PointerScope()) {
                inScope = r.load("x");
                assertEquals(1, inScope.referenceCount());
                assertEquals(4.0, torch.sum(inScope).item_double(), 0.0);
            }
            assertTrue(inScope.isNull(), "the caller's scope frees the loaded tensor");

            Tensor free = r.load("x"); // no scope: the caller owns it
            try {
                assertFalse(free.isNull());
                assertEquals(1, free.referenceCount());
                try (PointerScope scope = new PointerScope()) {
                    assertEquals(4.0, torch.sum(free).item_double(), 0.0);
                }
                assertFalse(free.isNull());
            } finally {
                free.close();
            }
        }
    }

    @Test
    void listsButRefusesToLoadDtypesLibtorchLacks() {
        // 4 F4 values = 2 bytes; 8 F6_E2M3 values = 6 bytes
        Path f = put(
                dir,
                "f4.safetensors",
                rawFile(
                        "{\"a\":{\"dtype\":\"F4\",\"shape\":[2,2],\"data_offsets\":[0,2]},"
                                + "\"b\":{\"dtype\":\"F6_E2M3\",\"shape\":[8],\"data_offsets\":[2,8]},"
                                + "\"c\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[8,9]}}",
                        new byte[9]));
        try (SafetensorsReader r = SafetensorsReader.open(f)) {
            assertEquals(List.of("a", "b", "c"), r.names());
            assertEquals(SafetensorsDType.F4, r.entry("a").dtype());
            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> r.load("a"));
            assertTrue(e.getMessage().contains("F4") && e.getMessage().contains("'a'"), e.getMessage());
            e = assertThrows(SafetensorsFormatException.class, r::loadAll);
            assertTrue(e.getMessage().contains("F4"), e.getMessage());
            try (PointerScope scope = new PointerScope()) {
                assertEquals(1, r.load("c").numel());
            }
        }
    }

    @Test
    void acceptsWhitespacePaddedHeadersAnyKeyOrderAndNullMetadata() {
        byte[] data = {1, 2, 3, 4, 5, 6};
        String json = " \n\t {\"y\":{\"data_offsets\":[2,6],\"shape\":[2],\"dtype\":\"I16\"},"
                + "\"__metadata__\":null,\"x\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}} \r\n   ";
        Path f = put(dir, "ws.safetensors", rawFile(json, data));
        try (PointerScope scope = new PointerScope();
                SafetensorsReader r = SafetensorsReader.open(f)) {
            assertEquals(List.of("x", "y"), r.names());
            assertTrue(r.metadata().isEmpty());
            assertArrayEquals(new byte[] {1, 2}, bytesOf(r.load("x")));
            assertArrayEquals(new byte[] {3, 4, 5, 6}, bytesOf(r.load("y")));
            assertEquals(torch.ScalarType.Short, r.load("y").scalar_type().intern());
        }
    }

    @Test
    void emptyFileWithNoTensors() {
        Path f = dir.resolve("empty.safetensors");
        SafetensorsWriter.write(f, Map.of(), null);
        try (SafetensorsReader r = SafetensorsReader.open(f)) {
            assertTrue(r.names().isEmpty());
            assertTrue(r.loadAll().isEmpty());
            assertEquals(16, r.dataStart());
        }
    }

    @Test
    void readerErrorsNameTheKeyOrPath() throws IOException {
        Path f = dir.resolve("x.safetensors");
        try (PointerScope scope = new PointerScope()) {
            SafetensorsWriter.write(f, Map.of("present", torch.ones(1)), null);
        }
        SafetensorsReader r = SafetensorsReader.open(f);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> r.entry("absent"));
        assertTrue(missing.getMessage().contains("absent"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.load("absent"));
        assertFalse(r.contains("absent"));
        r.close();
        r.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> r.load("present"));

        Path nowhere = dir.resolve("nope/missing.safetensors");
        FileAccessException e = assertThrows(FileAccessException.class, () -> SafetensorsReader.open(nowhere));
        assertTrue(e.getMessage().contains(nowhere.toString()) && e.getMessage().contains("not found"), e.getMessage());
        e = assertThrows(FileAccessException.class, () -> SafetensorsReader.open(dir));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }

    @Test
    void fileTruncatedAfterOpenIsAFormatErrorNotACrash() throws IOException {
        Path f = dir.resolve("shrink.safetensors");
        try (PointerScope scope = new PointerScope()) {
            SafetensorsWriter.write(f, Map.of("x", torch.ones(1000)), null);
        }
        try (SafetensorsReader r = SafetensorsReader.open(f)) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                ch.truncate(Files.size(f) - 100);
            }
            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> r.load("x"));
            assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("'x'"), e.getMessage());
        }
    }
}
