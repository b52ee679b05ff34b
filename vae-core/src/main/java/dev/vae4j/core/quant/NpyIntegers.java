package dev.vae4j.core.quant;

import dev.vae4j.core.model.ConfigFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a 1-D array of little-endian integers from NumPy's {@code .npy} format (versions 1 to 3). */
final class NpyIntegers {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<|])([iu])([1248])'");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\((\\d+),?\\)");

    private NpyIntegers() {}

    /** The array's values; {@code origin} names the file in messages. */
    static long[] read(byte[] bytes, String origin) {
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw new ConfigFormatException(origin + ": not a .npy file (no \\x93NUMPY magic)");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int major = bytes[6];
        int headerLength = major == 1 ? Short.toUnsignedInt(buffer.getShort(8)) : buffer.getInt(8);
        int start = major == 1 ? 10 : 12;
        if (major < 1 || major > 3 || headerLength < 0 || start + headerLength > bytes.length) {
            throw new ConfigFormatException(origin + ": unsupported or truncated .npy header (version " + major + ")");
        }
        String header = new String(bytes, start, headerLength, StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher shape = SHAPE.matcher(header);
        if (!descr.find() || !shape.find()) {
            throw new ConfigFormatException(
                    origin + ": expected a 1-D little-endian integer array, header " + header.strip());
        }
        boolean signed = descr.group(2).equals("i");
        int width = Integer.parseInt(descr.group(3));
        long count = Long.parseLong(shape.group(1));
        int dataStart = start + headerLength;
        if (count * width != bytes.length - dataStart) {
            throw new ConfigFormatException(origin + ": " + count + " values of " + width + " bytes need "
                    + count * width + " bytes of data, the file has " + (bytes.length - dataStart));
        }
        long[] values = new long[(int) count];
        for (int i = 0; i < values.length; i++) {
            int at = dataStart + i * width;
            values[i] = switch (width) {
                case 1 -> signed ? buffer.get(at) : Byte.toUnsignedLong(buffer.get(at));
                case 2 -> signed ? buffer.getShort(at) : Short.toUnsignedLong(buffer.getShort(at));
                case 4 -> signed ? buffer.getInt(at) : Integer.toUnsignedLong(buffer.getInt(at));
                default -> buffer.getLong(at);
            };
        }
        return values;
    }
}
