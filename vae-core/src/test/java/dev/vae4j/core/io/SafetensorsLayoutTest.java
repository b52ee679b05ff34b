package dev.vae4j.core.io;

import static dev.vae4j.core.io.SafetensorsTestSupport.fromBytes;
import static dev.vae4j.core.io.SafetensorsTestSupport.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Byte-exact layout of small files, checked against bytes computed by hand (and identical to safetensors 0.8.0). */
class SafetensorsLayoutTest {
    @TempDir
    Path dir;

    @Test
    void smallFileIsByteExact() throws IOException {
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("b", fromBytes(hex("0000803f00000040"), torch.ScalarType.Float, 2)); // [1.0, 2.0]
            in.put("a", fromBytes(hex("00004040"), torch.ScalarType.Float)); // 3.0, 0-d
            in.put("c", fromBytes(hex("003c"), torch.ScalarType.Half, 1)); // [1.0]
            in.put("z", fromBytes(hex("010203"), torch.ScalarType.Byte, 3)); // [1, 2, 3]
            in.put("m", fromBytes(hex("0700000000000000"), torch.ScalarType.Long, 1)); // [7]
            Path f = dir.resolve("small.safetensors");
            SafetensorsWriter.write(f, in, Map.of("format", "pt"));

            // dtype descending (I64 > F32 > F16 > U8), then name; data offsets back to back from 0
            String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                    + "\"m\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                    + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]},"
                    + "\"c\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[20,22]},"
                    + "\"z\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[22,25]}}";
            assertEquals(302, json.length());
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.write(hex("3001000000000000")); // N = 304 = 302 rounded up to 8
            expected.write(json.getBytes(StandardCharsets.US_ASCII));
            expected.write("  ".getBytes(StandardCharsets.US_ASCII)); // 2 spaces of padding
            expected.write(hex("0700000000000000" + "00004040" + "0000803f00000040" + "003c" + "010203"));
            assertEquals(337, expected.size());
            assertArrayEquals(expected.toByteArray(), Files.readAllBytes(f));
        }
    }

    @Test
    void headerAlreadyAMultipleOfEightIsNotPadded() throws IOException {
        // {"x":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}} is 53 bytes; a 4-char name makes it 56 exactly
        try (PointerScope scope = new PointerScope()) {
            Path f = dir.resolve("exact.safetensors");
            SafetensorsWriter.write(f, Map.of("xyzw", fromBytes(new byte[0], torch.ScalarType.Byte, 0)), null);
            String json = "{\"xyzw\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}";
            assertEquals(56, json.length());
            byte[] bytes = Files.readAllBytes(f);
            assertArrayEquals(hex("3800000000000000"), java.util.Arrays.copyOf(bytes, 8));
            assertEquals(json, new String(bytes, 8, bytes.length - 8, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void emptyMapIsAnEightByteHeader() throws IOException {
        Path f = dir.resolve("none.safetensors");
        SafetensorsWriter.write(f, Map.of(), Map.of());
        assertArrayEquals(hex("0800000000000000" + "7b7d202020202020"), Files.readAllBytes(f)); // "{}      "
    }

    @Test
    void namesSortByUtf8BytesWithinADtype() throws IOException {
        try (PointerScope scope = new PointerScope()) {
            // UTF-16 order would put U+FF5A before U+1F600 (surrogates D83D..), UTF-8 byte order puts EF.. before F0..
            // and 'B' (0x42) before 'a' (0x61) in both
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("\ud83d\ude00", fromBytes(new byte[] {1}, torch.ScalarType.Byte, 1));
            in.put("\uff5a", fromBytes(new byte[] {2}, torch.ScalarType.Byte, 1));
            in.put("a", fromBytes(new byte[] {3}, torch.ScalarType.Byte, 1));
            in.put("B", fromBytes(new byte[] {4}, torch.ScalarType.Byte, 1));
            Path f = dir.resolve("utf8.safetensors");
            SafetensorsWriter.write(f, in, null);
            byte[] bytes = Files.readAllBytes(f);
            assertArrayEquals(
                    new byte[] {4, 3, 2, 1}, java.util.Arrays.copyOfRange(bytes, bytes.length - 4, bytes.length));
            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                assertEquals(java.util.List.of("B", "a", "\uff5a", "\ud83d\ude00"), r.names());
            }
        }
    }

    @Test
    void readsAFileWrittenByTheReferenceImplementation() throws IOException {
        // bytes of safetensors 0.8.0 numpy.save({"b","a","c","z","m"}, metadata={"format":"pt"})
        String json =
                "{\"__metadata__\":{\"format\":\"pt\"},\"m\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]},"
                        + "\"c\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[20,22]},"
                        + "\"z\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[22,25]}}  ";
        Path f = SafetensorsTestSupport.put(
                dir,
                "ref.safetensors",
                SafetensorsTestSupport.rawFile(json, hex("070000000000000000004040" + "0000803f00000040003c010203")));
        try (PointerScope scope = new PointerScope();
                SafetensorsReader r = SafetensorsReader.open(f)) {
            assertEquals(java.util.List.of("m", "a", "b", "c", "z"), r.names());
            assertEquals(Map.of("format", "pt"), r.metadata());
            assertEquals(7L, r.load("m").item_long());
            assertEquals(3.0f, r.load("a").item_float());
            assertEquals(0, r.load("a").dim());
            assertEquals(2.0f, r.load("b").select(0, 1).item_float());
            assertEquals(1.0f, r.load("c").to(torch.ScalarType.Float).item_float());
            assertEquals(3L, r.load("z").select(0, 2).item_long());
        }
    }

    @Test
    void writerRejectsInvalidInputBeforeWritingAnything() {
        try (PointerScope scope = new PointerScope()) {
            Path f = dir.resolve("bad.safetensors");
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> SafetensorsWriter.write(f, Map.of("__metadata__", torch.ones(1)), null));
            assertEquals(true, e.getMessage().contains("__metadata__"));
            e = assertThrows(
                    IllegalArgumentException.class,
                    () -> SafetensorsWriter.write(f, Map.of("undef", new Tensor()), null));
            assertEquals(true, e.getMessage().contains("undef"), e.getMessage());
            e = assertThrows(
                    IllegalArgumentException.class,
                    () -> SafetensorsWriter.write(
                            f, Map.of("chalf", torch.ones(2).to(torch.ScalarType.ComplexHalf)), null));
            assertEquals(
                    true, e.getMessage().contains("chalf") && e.getMessage().contains("ComplexHalf"), e.getMessage());
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("k", null);
            assertThrows(
                    IllegalArgumentException.class, () -> SafetensorsWriter.write(f, Map.of("x", torch.ones(1)), meta));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> SafetensorsWriter.write(f, Map.of("lone\ud800", torch.ones(1)), null));
            assertEquals(false, Files.exists(f));
        }
    }
}
