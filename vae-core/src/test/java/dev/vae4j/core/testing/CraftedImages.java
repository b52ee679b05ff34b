package dev.vae4j.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Image files crafted byte by byte for tests of hostile input. */
public final class CraftedImages {
    private CraftedImages() {}

    /**
     * An 8-bit gray PNG declaring {@code w x h} pixels: complete when small ({@code w * h <= 65536}), else a valid
     * header with one compressed row (a decompression bomb's header in a few hundred bytes).
     */
    public static byte[] png(int w, int h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13)
                .putInt(w)
                .putInt(h)
                .put((byte) 8)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        Deflater deflater = new Deflater();
        deflater.setInput(new byte[(long) w * h <= 1 << 16 ? (w + 1) * h : w + 1]);
        deflater.finish();
        byte[] buffer = new byte[1 << 20];
        int n = deflater.deflate(buffer);
        deflater.end();
        byte[] idat = new byte[n];
        System.arraycopy(buffer, 0, idat, 0, n);
        chunk(out, "IDAT", idat);
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        byte[] kind = type.getBytes(StandardCharsets.US_ASCII);
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        out.write(kind);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(kind);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
