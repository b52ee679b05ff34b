package dev.vae4j.core.io;

import static dev.vae4j.core.io.SafetensorsTestSupport.bytesOf;
import static dev.vae4j.core.io.SafetensorsTestSupport.fromBytes;
import static dev.vae4j.core.io.SafetensorsTestSupport.shapeOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/** Random names, dtypes, shapes and bytes survive a write/read round trip bit-exactly, laid out like the reference. */
class SafetensorsRoundTripProperties {
    private static Path dir;

    @BeforeContainer
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("safetensors-props");
    }

    @AfterContainer
    static void removeDir() throws IOException {
        try (var s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    record Spec(String name, SafetensorsDType dtype, long[] shape, long seed) {}

    @Provide
    Arbitrary<List<Spec>> specs() {
        Arbitrary<SafetensorsDType> dtypes =
                Arbitraries.of(SafetensorsDType.values()).filter(SafetensorsDType::hasScalarType);
        Arbitrary<long[]> shapes = Arbitraries.longs()
                .between(0, 5)
                .list()
                .ofMaxSize(4)
                .map(l -> l.stream().mapToLong(Long::longValue).toArray());
        Arbitrary<String> names = Arbitraries.oneOf(
                Arbitraries.strings()
                        .alpha()
                        .numeric()
                        .withChars('.', '_')
                        .ofMinLength(0)
                        .ofMaxLength(12),
                Arbitraries.strings()
                        .all()
                        .ofMaxLength(6)
                        .filter(s -> s.codePoints().allMatch(c -> !Character.isSurrogate((char) c) || c > 0xFFFF)
                                && isWellFormed(s)));
        Arbitrary<Spec> spec = Combinators.combine(names, dtypes, shapes, Arbitraries.longs())
                .as(Spec::new)
                .filter(s -> !SafetensorsReader.METADATA_KEY.equals(s.name()));
        return spec.list().ofMaxSize(6).uniqueElements(Spec::name);
    }

    private static boolean isWellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    @Provide
    Arbitrary<Map<String, String>> metadata() {
        return Arbitraries.maps(
                        Arbitraries.strings().alpha().ofMaxLength(5),
                        Arbitraries.strings().all().ofMaxLength(8).filter(SafetensorsRoundTripProperties::isWellFormed))
                .ofMaxSize(3);
    }

    @Property(tries = 150)
    void roundTripIsBitExact(@ForAll("specs") List<Spec> specs, @ForAll("metadata") Map<String, String> meta) {
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            Map<String, byte[]> bytes = new LinkedHashMap<>();
            for (Spec s : specs) {
                long numel = 1;
                for (long d : s.shape()) {
                    numel *= d;
                }
                byte[] b = new byte[(int) (numel * s.dtype().bits() / 8)];
                new Random(s.seed()).nextBytes(b);
                if (s.dtype() == SafetensorsDType.BOOL) {
                    for (int i = 0; i < b.length; i++) {
                        b[i] &= 1;
                    }
                }
                in.put(s.name(), fromBytes(b, s.dtype().scalarType(), s.shape()));
                bytes.put(s.name(), b);
            }
            Path f = dir.resolve("p.safetensors");
            SafetensorsWriter.write(f, in, meta);

            long n;
            long fileSize;
            try {
                byte[] head = new byte[8];
                try (var is = Files.newInputStream(f)) {
                    assertEquals(8, is.read(head));
                }
                n = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getLong();
                fileSize = Files.size(f);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            assertEquals(0, n % 8, "header padded to a multiple of 8");

            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                assertEquals(meta, r.metadata());
                assertEquals(specs.size(), r.names().size());
                List<SafetensorsEntry> entries = new ArrayList<>();
                for (String name : r.names()) {
                    entries.add(r.entry(name));
                }
                long end = 0;
                for (int i = 0; i < entries.size(); i++) {
                    SafetensorsEntry e = entries.get(i);
                    assertEquals(end, e.begin());
                    end = e.end();
                    // the reference's sort: dtype descending, then name; so every tensor starts aligned
                    assertEquals(0, e.begin() % Math.max(1, e.dtype().bits() / 8));
                    if (i > 0) {
                        SafetensorsEntry p = entries.get(i - 1);
                        assertTrue(p.dtype().compareTo(e.dtype()) > 0
                                || p.dtype() == e.dtype()
                                        && java.util.Arrays.compareUnsigned(
                                                        p.name().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                                                        e.name().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                                                < 0);
                    }
                }
                assertEquals(fileSize, 8 + n + end);
                for (Spec s : specs) {
                    Tensor t = r.load(s.name());
                    assertEquals(s.dtype().scalarType(), t.scalar_type().intern());
                    assertArrayEquals(s.shape(), shapeOf(t));
                    assertArrayEquals(bytes.get(s.name()), bytesOf(t), s.name());
                }
            }
        }
    }
}
