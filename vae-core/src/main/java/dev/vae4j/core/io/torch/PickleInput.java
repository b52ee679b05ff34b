package dev.vae4j.core.io.torch;

import dev.vae4j.core.FileAccessException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Sequential bounded input of a pickle: an in-memory array, or a region of a file read through a small buffer. Every
 * read checks the claimed length against the bytes that remain before allocating anything, so a hostile length can
 * never allocate more than the input holds.
 */
final class PickleInput {
    private static final int BUFFER = 1 << 16;

    private final String origin;
    private final FileChannel channel;
    private final long end;
    private final ByteBuffer buffer;
    /** Position (absolute file offset, or array index) of {@code buffer.position()}. */
    private long bufferStart;

    private PickleInput(String origin, FileChannel channel, ByteBuffer buffer, long start, long end) {
        this.origin = origin;
        this.channel = channel;
        this.buffer = buffer;
        this.bufferStart = start;
        this.end = end;
    }

    /** The whole of {@code bytes}. */
    static PickleInput of(byte[] bytes, String origin) {
        return new PickleInput(origin, null, ByteBuffer.wrap(bytes), 0, bytes.length);
    }

    /** File {@code channel} from byte {@code start} to its end. */
    static PickleInput of(FileChannel channel, long start, String origin) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
            buffer.limit(0);
            return new PickleInput(origin, channel, buffer, start, channel.size());
        } catch (IOException e) {
            throw new FileAccessException("cannot read " + origin, e);
        }
    }

    /** Current offset (in the file, or in the array). */
    long position() {
        return bufferStart + buffer.position();
    }

    /** Bytes left before the end of the input. */
    long remaining() {
        return end - position();
    }

    /** One unsigned byte. */
    int read() {
        ensure(1, "1 byte");
        return buffer.get() & 0xff;
    }

    /** {@code n} bytes, {@code n} checked against what remains. */
    byte[] readBytes(long n, String what) {
        if (n < 0) {
            throw new PyTorchFormatException(
                    origin + ": negative length " + n + " for " + what + " at byte " + position());
        }
        if (n > remaining()) {
            throw new PyTorchFormatException(origin + ": " + what + " claims " + n + " bytes but only " + remaining()
                    + " remain at byte " + position() + " (truncated or corrupt pickle)");
        }
        if (n > Integer.MAX_VALUE - 16) {
            throw new PyTorchFormatException(origin + ": " + what + " of " + n + " bytes is too large");
        }
        byte[] out = new byte[(int) n];
        int done = 0;
        while (done < n) {
            if (!buffer.hasRemaining()) {
                fill();
            }
            int k = Math.min(buffer.remaining(), out.length - done);
            buffer.get(out, done, k);
            done += k;
        }
        return out;
    }

    /** Little-endian integer of {@code n} (1, 2, 4 or 8) bytes, unsigned for n below 8. */
    long readLittleEndian(int n, String what) {
        byte[] b = readBytes(n, what);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }

    /** Bytes up to (excluding) the next newline, at most {@code max}. */
    String readLine(int max, String what) {
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (remaining() <= 0) {
                throw new PyTorchFormatException(origin + ": unterminated " + what + " at byte " + position());
            }
            int c = read();
            if (c == '\n') {
                return sb.toString();
            }
            if (sb.length() >= max) {
                throw new PyTorchFormatException(
                        origin + ": " + what + " longer than " + max + " bytes at byte " + position());
            }
            sb.append((char) c);
        }
    }

    private void ensure(int n, String what) {
        if (remaining() < n) {
            throw new PyTorchFormatException(origin + ": unexpected end of pickle at byte " + position() + " reading "
                    + what + " (truncated file?)");
        }
        if (buffer.remaining() < n) {
            fill();
        }
    }

    private void fill() {
        if (channel == null) {
            throw new PyTorchFormatException(origin + ": unexpected end of pickle at byte " + position());
        }
        long pos = position();
        buffer.clear();
        buffer.limit((int) Math.min(buffer.capacity(), end - pos));
        try {
            while (buffer.hasRemaining()) {
                int r = channel.read(buffer, pos + buffer.position());
                if (r < 0) {
                    throw new PyTorchFormatException(origin + ": file ended at byte " + (pos + buffer.position())
                            + " (truncated or changed while reading?)");
                }
            }
        } catch (IOException e) {
            throw new FileAccessException("cannot read " + origin, e);
        }
        buffer.flip();
        bufferStart = pos;
    }
}
