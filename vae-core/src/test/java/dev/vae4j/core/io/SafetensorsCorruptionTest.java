package dev.vae4j.core.io;

import static dev.vae4j.core.io.SafetensorsTestSupport.assertFormatError;
import static dev.vae4j.core.io.SafetensorsTestSupport.put;
import static dev.vae4j.core.io.SafetensorsTestSupport.rawFile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per kind of malformed file: each must be a SafetensorsFormatException naming the file and the problem. */
class SafetensorsCorruptionTest {
    @TempDir
    Path dir;

    /** A valid one-tensor header for tensor {@code x} of 2 F32 values (8 bytes). */
    private static final String X = "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    private Path file(String json, int dataBytes) {
        return put(dir, "bad.safetensors", rawFile(json, new byte[dataBytes]));
    }

    // --- header length field ---

    @Test
    void fileShorterThanTheHeaderLength() {
        assertFormatError(
                put(dir, "tiny.safetensors", new byte[] {2, 0, 0, 0, 0}), "header too small", "header length");
        assertFormatError(put(dir, "zero.safetensors", new byte[0]), "header too small");
    }

    @Test
    void headerLengthOverTheMaximum() {
        assertFormatError(
                put(dir, "a.safetensors", rawFile(100_000_001L, "{}".getBytes(), new byte[0])),
                "header too large",
                "100000001");
        // 2^64 - 1 as unsigned: does not fit, must not be read as -1
        assertFormatError(
                put(dir, "b.safetensors", rawFile(-1L, "{}".getBytes(), new byte[0])),
                "header too large",
                "18446744073709551615");
    }

    @Test
    void headerLengthBeyondTheFile() {
        assertFormatError(
                put(dir, "a.safetensors", rawFile(64, "{}".getBytes(), new byte[0])), "invalid header length", "64");
        assertFormatError(
                put(dir, "b.safetensors", rawFile(99_999_999L, "{}".getBytes(), new byte[0])), "invalid header length");
    }

    // --- header text ---

    @Test
    void headerNotUtf8() {
        byte[] h = ("{\"x\u00e9\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}")
                .getBytes(StandardCharsets.UTF_8);
        h[4] = (byte) 0xFF; // 0xC3 0xA9 -> 0xC3 0xFF: broken sequence
        assertFormatError(put(dir, "a.safetensors", rawFile(h, new byte[0])), "UTF-8");
        byte[] overlong = {'{', '"', (byte) 0xC0, (byte) 0xAF, '"', ':', '{', '}', '}'};
        assertFormatError(put(dir, "b.safetensors", rawFile(overlong, new byte[0])), "UTF-8");
    }

    @Test
    void invalidJson() {
        assertFormatError(file("{\"x\":", 0), "invalid JSON");
        assertFormatError(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],}}", 8), "invalid JSON");
        assertFormatError(file("{'x':1}", 0), "invalid JSON");
        assertFormatError(file("", 0), "invalid JSON", "empty");
        assertFormatError(file("        ", 0), "invalid JSON", "empty");
        assertFormatError(file("[1,2]", 0), "invalid JSON", "JSON object");
        assertFormatError(file("\ufeff{}", 0), "invalid JSON", "JSON object");
        assertFormatError(file("{} {}", 0), "invalid JSON", "trailing");
        assertFormatError(file("{}x", 0), "invalid JSON");
        assertFormatError(file("{" + X + "}\u0000", 8), "invalid JSON");
        assertFormatError(file("{\"x\":[1]}", 0), "invalid JSON", "'x'", "must be an object");
        assertFormatError(
                file("{\"x\":{\"dtype\":7,\"shape\":[],\"data_offsets\":[0,4]}}", 4), "'x'", "dtype must be a string");
        assertFormatError(file("{\"x\":{\"dtype\":\"F32\",\"shape\":{},\"data_offsets\":[0,4]}}", 4), "'x'", "shape");
        assertFormatError(
                file("{\"\\ud800x\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0), "surrogate");
    }

    @Test
    void metadataValuesMustBeStrings() {
        assertFormatError(
                file("{\"__metadata__\":{\"a\":\"ok\",\"n\":1}," + X + "}", 8),
                "metadata value of 'n'",
                "must be a string");
        assertFormatError(file("{\"__metadata__\":{\"o\":{\"k\":\"v\"}}}", 0), "metadata value of 'o'");
        assertFormatError(file("{\"__metadata__\":{\"z\":null}}", 0), "metadata value of 'z'");
        assertFormatError(file("{\"__metadata__\":[\"a\"]}", 0), "__metadata__", "must be an object");
        assertFormatError(file("{\"__metadata__\":\"pt\"}", 0), "__metadata__");
    }

    @Test
    void missingFields() {
        assertFormatError(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "'x'", "missing field 'data_offsets'");
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8), "'x'", "missing field 'shape'");
        assertFormatError(file("{\"x\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "'x'", "missing field 'dtype'");
    }

    @Test
    void extraFields() {
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"strides\":[1]}}", 8),
                "'x'",
                "unknown field 'strides'");
    }

    @Test
    void shapeValuesMustBeNonNegativeIntegersThatFit() {
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "'x'", "negative");
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8), "'x'", "not an integer");
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2e0],\"data_offsets\":[0,8]}}", 8), "'x'", "not an integer");
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8), "'x'", "integer");
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,8]}}", 8), "'x'", "integer");
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[281474976710656],\"data_offsets\":[0,8]}}", 8),
                "'x'",
                "overflows");
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[18446744073709551617],\"data_offsets\":[0,8]}}", 8),
                "'x'",
                "overflows");
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[-18446744073709551617],\"data_offsets\":[0,8]}}", 8),
                "'x'",
                "negative");
    }

    @Test
    void offsetValuesMustBeTwoNonNegativeIntegers() {
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8), "'x'", "negative");
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.5]}}", 8), "'x'", "not an integer");
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,16]}}", 8), "'x'", "exactly 2");
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}}", 8), "'x'", "exactly 2");
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,9223372036854775808]}}", 8),
                "'x'",
                "overflows");
    }

    @Test
    void unknownDtype() {
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F17\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                "'x'",
                "unknown dtype 'F17'");
        assertFormatError(
                file("{\"x\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "unknown dtype 'f32'");
    }

    @Test
    void duplicateKeys() {
        assertFormatError(file("{" + X + "," + X + "}", 8), "duplicate", "x");
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                "duplicate",
                "dtype");
        assertFormatError(file("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}", 0), "duplicate", "k");
        assertFormatError(file("{\"__metadata__\":{},\"__metadata__\":{}}", 0), "duplicate", "__metadata__");
    }

    // --- offsets and sizes (Metadata::validate) ---

    @Test
    void firstTensorMustStartAtZero() {
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
                "invalid offset for tensor 'x'",
                "hole");
    }

    @Test
    void holesBetweenTensors() {
        assertFormatError(
                file("{" + X + ",\"y\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[10,12]}}", 12),
                "invalid offset for tensor 'y'",
                "hole",
                "'x' ends at 8");
    }

    @Test
    void overlappingTensors() {
        assertFormatError(
                file("{" + X + ",\"y\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]}}", 8),
                "invalid offset for tensor",
                "overlap");
        // same range twice under two names
        assertFormatError(
                file("{" + X + ",\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                "invalid offset for tensor",
                "overlap");
    }

    @Test
    void endBeforeBegin() {
        assertFormatError(
                file(
                        "{\"x\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},"
                                + "\"y\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},"
                                + "\"z\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,0]}}",
                        0),
                "'z'",
                "before begin");
    }

    @Test
    void byteCountMustMatchShapeAndDtype() {
        // F32 [2] needs 8 bytes, offsets say 6 (and the file holds 6: only the size check catches it)
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,6]}}", 6),
                "invalid byte count for tensor 'x'",
                "needs 8 bytes",
                "span 6");
        // dtype says F16 but the bytes were written for F32
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                "invalid byte count for tensor 'x'",
                "F16");
        // scalar: shape [] is one element
        assertFormatError(
                file("{\"s\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,4]}}", 4),
                "invalid byte count for tensor 's'",
                "needs 8 bytes");
    }

    @Test
    void subByteDtypesMustEndOnAByte() {
        assertFormatError(
                file("{\"x\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2), "misaligned", "'x'");
    }

    @Test
    void elementCountOverflow() {
        assertFormatError(
                file(
                        "{\"x\":{\"dtype\":\"F64\",\"shape\":[140737488355328,140737488355328],"
                                + "\"data_offsets\":[0,8]}}",
                        8),
                "overflow",
                "'x'");
    }

    @Test
    void bufferNotFullyCoveredAtTheEndOrTrailingGarbage() {
        assertFormatError(file("{" + X + "}", 9), "not fully covered", "1 trailing bytes");
        assertFormatError(file("{}", 3), "not fully covered");
    }

    @Test
    void truncatedFile() throws IOException {
        Path good = dir.resolve("good.safetensors");
        try (PointerScope scope = new PointerScope()) {
            SafetensorsWriter.write(good, Map.of("w", torch.ones(4, 4), "b", torch.zeros(4)), Map.of("format", "pt"));
        }
        byte[] all = Files.readAllBytes(good);
        assertFormatError(put(dir, "t1.safetensors", Arrays.copyOf(all, all.length - 1)), "truncated");
        assertFormatError(put(dir, "t2.safetensors", Arrays.copyOf(all, 20)), "invalid header length");
        assertFormatError(put(dir, "t3.safetensors", Arrays.copyOf(all, 7)), "header too small");
        byte[] garbage = Arrays.copyOf(all, all.length + 5);
        assertFormatError(put(dir, "g.safetensors", garbage), "not fully covered", "5 trailing bytes");
    }

    @Test
    void everyTruncationAndEveryHeaderByteFlipIsAFormatErrorOrAValidFile() throws IOException {
        Path good = dir.resolve("good.safetensors");
        try (PointerScope scope = new PointerScope()) {
            SafetensorsWriter.write(
                    good,
                    Map.of("w", torch.ones(2, 3), "i", torch.ones(3).to(torch.ScalarType.Long)),
                    Map.of("format", "pt"));
        }
        byte[] all = Files.readAllBytes(good);
        for (int len = 0; len < all.length; len++) {
            assertFormatError(put(dir, "cut.safetensors", Arrays.copyOf(all, len)));
        }
        int headerEnd = 8
                + (int) java.nio.ByteBuffer.wrap(all, 0, 8)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                        .getLong();
        int ok = 0;
        for (int i = 0; i < headerEnd; i++) {
            for (int bit : new int[] {0, 1, 4, 7}) {
                byte[] m = all.clone();
                m[i] ^= (byte) (1 << bit);
                Path f = put(dir, "flip.safetensors", m);
                try (PointerScope scope = new PointerScope();
                        SafetensorsReader r = SafetensorsReader.open(f)) {
                    r.loadAll();
                    ok++;
                } catch (SafetensorsFormatException expected) {
                    assertTrue(expected.getMessage().startsWith(f.toString()), expected.getMessage());
                }
            }
        }
        assertTrue(ok < headerEnd, "most flips must be rejected, " + ok + " were accepted");
    }

    @Test
    void formatExceptionCarriesTheFile() {
        Path f = file("{\"x\":1}", 0);
        SafetensorsFormatException e = assertFormatError(f);
        assertEquals(f, e.file());
    }
}
