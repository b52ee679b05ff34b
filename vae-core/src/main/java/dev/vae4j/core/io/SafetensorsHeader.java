package dev.vae4j.core.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON header of a safetensors file, parsed and validated like the Rust reference reader: UTF-8, one object of
 * tensor entries ({@code dtype}, {@code shape}, {@code data_offsets}) plus optional string-to-string
 * {@code __metadata__}, no duplicate or unknown keys, integer sizes within 2^48, and entries that, sorted by offset,
 * tile the data buffer exactly (no holes, no overlaps, byte counts matching dtype x shape).
 *
 * @param entries the tensors in data-offset order
 * @param metadata the {@code __metadata__} map (empty if none)
 */
record SafetensorsHeader(List<SafetensorsEntry> entries, Map<String, String> metadata) {
    private static final long MAX_HEADER_SIZE = SafetensorsReader.MAX_HEADER_SIZE;
    private static final long MAX_SIZE_VALUE = SafetensorsReader.MAX_SIZE_VALUE;
    private static final String METADATA_KEY = SafetensorsReader.METADATA_KEY;
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength((int) MAX_HEADER_SIZE)
                    .maxNameLength((int) MAX_HEADER_SIZE)
                    .maxNumberLength(1000)
                    .build())
            .build();

    /**
     * Parses the header bytes of {@code file}.
     *
     * @param bytes the N header bytes (after the 8-byte length)
     * @param bufferLength bytes of the data buffer that follows the header
     * @throws SafetensorsFormatException naming the problem
     */
    static SafetensorsHeader parse(Path file, ByteBuffer bytes, long bufferLength) {
        String text = decodeUtf8(file, bytes);
        Header header = parseHeader(file, text);
        return new SafetensorsHeader(validate(file, header.tensors, bufferLength), header.metadata);
    }

    private static String decodeUtf8(Path file, ByteBuffer bytes) {
        CharsetDecoder dec = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer out = CharBuffer.allocate(bytes.remaining());
        CoderResult r = dec.decode(bytes, out, true);
        if (!r.isError()) {
            r = dec.flush(out);
        }
        if (r.isError()) {
            throw new SafetensorsFormatException(
                    file,
                    "invalid UTF-8 in header at header byte " + bytes.position() + " (file offset "
                            + (8 + bytes.position()) + ")");
        }
        out.flip();
        return out.toString();
    }

    /** A tensor entry as read from JSON, before validation. */
    private record RawEntry(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {}

    private record Header(List<RawEntry> tensors, Map<String, String> metadata) {}

    private static Header parseHeader(Path file, String text) {
        int first = 0;
        while (first < text.length() && isJsonWhitespace(text.charAt(first))) {
            first++;
        }
        if (first == text.length()) {
            throw new SafetensorsFormatException(file, "invalid JSON in header: the header is empty or all whitespace");
        }
        if (text.charAt(first) != '{') {
            throw new SafetensorsFormatException(
                    file,
                    "invalid JSON in header: the header must be a JSON object" + " starting with '{', found '"
                            + printable(text.charAt(first)) + "' at header byte " + first);
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
                throw new SafetensorsFormatException(
                        file,
                        "invalid JSON in header: trailing characters after the" + " header object at "
                                + location(p.currentTokenLocation()));
            }
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage();
            String what = msg != null && msg.toLowerCase(java.util.Locale.ROOT).contains("duplicate")
                    ? "duplicate key in header: "
                    : "invalid JSON in header: ";
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
            throw new SafetensorsFormatException(
                    file,
                    "invalid JSON in header: " + METADATA_KEY + " must be an object of string values, found "
                            + describe(t));
        }
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String k = p.currentName();
            checkString(file, k, "metadata key");
            JsonToken v = p.nextToken();
            if (v != JsonToken.VALUE_STRING) {
                throw new SafetensorsFormatException(
                        file,
                        "invalid JSON in header: metadata value of '" + k
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
            throw new SafetensorsFormatException(
                    file,
                    "invalid JSON in header: tensor '" + name
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
                        throw new SafetensorsFormatException(
                                file,
                                "invalid JSON in header: tensor '" + name + "': dtype must be a string, found "
                                        + describe(v));
                    }
                    dtype = p.getText();
                }
                case "shape" -> shape = readSizes(file, p, name, "shape");
                case "data_offsets" -> {
                    offsets = readSizes(file, p, name, "data_offsets");
                    if (offsets.length != 2) {
                        throw new SafetensorsFormatException(
                                file,
                                "invalid JSON in header: tensor '" + name
                                        + "': data_offsets must hold exactly 2 integers [begin, end], found "
                                        + offsets.length);
                    }
                }
                default ->
                    throw new SafetensorsFormatException(
                            file,
                            "invalid JSON in header: tensor '" + name + "' has unknown field '" + field
                                    + "' (allowed: dtype, shape, data_offsets)");
            }
        }
        String missing = dtype == null ? "dtype" : shape == null ? "shape" : offsets == null ? "data_offsets" : null;
        if (missing != null) {
            throw new SafetensorsFormatException(
                    file, "invalid JSON in header: tensor '" + name + "' is missing field '" + missing + "'");
        }
        SafetensorsDType dt;
        try {
            dt = SafetensorsDType.parse(dtype);
        } catch (SafetensorsFormatException e) {
            throw new SafetensorsFormatException(
                    file, "invalid JSON in header: tensor '" + name + "' has unknown dtype '" + dtype + "'", e);
        }
        return new RawEntry(name, dt, shape, offsets[0], offsets[1]);
    }

    /** Reads a JSON array of integers in 0..2^48-1. */
    private static long[] readSizes(Path file, JsonParser p, String name, String field) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new SafetensorsFormatException(
                    file,
                    "invalid JSON in header: tensor '" + name + "': " + field
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
                throw new SafetensorsFormatException(
                        file, prefix + "must be a non-negative integer, found " + describe(t));
            }
            JsonParser.NumberType nt = p.getNumberType();
            if (nt == JsonParser.NumberType.BIG_INTEGER) {
                String s = p.getText();
                throw new SafetensorsFormatException(
                        file,
                        prefix
                                + (s.startsWith("-") ? "is negative: " : "overflows (maximum " + MAX_SIZE_VALUE + "): ")
                                + s);
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
                throw new SafetensorsFormatException(
                        file, "invalid JSON in header: " + what + " contains an unpaired surrogate escape");
            }
            if (Character.isLowSurrogate(c)) {
                throw new SafetensorsFormatException(
                        file, "invalid JSON in header: " + what + " contains an unpaired surrogate escape");
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
                    why = "hole: begin " + e.begin() + " but "
                            + (previous == null
                                    ? "the data buffer starts at 0"
                                    : "the previous tensor '" + previous + "' ends at " + start);
                } else {
                    why = "overlap: begin " + e.begin() + " but "
                            + (previous == null
                                    ? "the data buffer starts at 0"
                                    : "the previous tensor '" + previous + "' ends at " + start);
                }
                throw new SafetensorsFormatException(
                        file,
                        "invalid offset for tensor '" + e.name() + "': data_offsets [" + e.begin() + ", " + e.end()
                                + "]: " + why);
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
                throw new SafetensorsFormatException(
                        file,
                        "overflow computing the byte size of tensor '" + e.name() + "' from shape "
                                + Arrays.toString(e.shape()) + " and dtype " + e.dtype());
            }
            if (nbits % 8 != 0) {
                throw new SafetensorsFormatException(
                        file,
                        "misaligned tensor '" + e.name() + "': shape "
                                + Arrays.toString(e.shape()) + " of " + e.dtype() + " ("
                                + e.dtype().bits()
                                + " bits) is " + nbits + " bits, not a whole number of bytes");
            }
            long expected = nbits / 8;
            if (e.end() - e.begin() != expected) {
                throw new SafetensorsFormatException(
                        file,
                        "invalid byte count for tensor '" + e.name() + "': dtype "
                                + e.dtype() + " with shape " + Arrays.toString(e.shape()) + " needs " + expected
                                + " bytes but data_offsets [" + e.begin() + ", " + e.end() + "] span "
                                + (e.end() - e.begin()));
            }
            out.add(new SafetensorsEntry(e.name(), e.dtype(), e.shape(), e.begin(), e.end()));
        }
        if (start != bufferLength) {
            if (start > bufferLength) {
                throw new SafetensorsFormatException(
                        file,
                        "incomplete data buffer (file truncated?): the tensors need " + start
                                + " data bytes but the file holds only " + bufferLength + " after the header");
            }
            throw new SafetensorsFormatException(
                    file,
                    "incomplete metadata, file not fully covered: the tensors end"
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
}
