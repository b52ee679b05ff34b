package dev.vae4j.core.io;

import java.awt.image.BufferedImage;

/**
 * Reads the EXIF {@code Orientation} tag (1-8) of a JPEG and turns an image upright as PIL's
 * {@code ImageOps.exif_transpose} does: 2 mirror left-right, 3 rotate 180°, 4 mirror top-bottom, 5 transpose, 6 rotate
 * 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise.
 */
final class ExifTranspose {
    /** Bytes of a file read to find its EXIF segment (it precedes the image data). */
    static final int HEAD_BYTES = 1 << 17;

    private static final int ORIENTATION_TAG = 0x0112;

    private ExifTranspose() {}

    /** The orientation in a JPEG's first bytes; 1 (upright) when there is no JPEG EXIF tag or it is malformed. */
    static int orientation(byte[] head) {
        if (head.length < 4 || u8(head, 0) != 0xFF || u8(head, 1) != 0xD8) {
            return 1;
        }
        int pos = 2;
        while (pos + 4 <= head.length && u8(head, pos) == 0xFF) {
            int marker = u8(head, pos + 1);
            int length = (u8(head, pos + 2) << 8) | u8(head, pos + 3);
            if (marker == 0xDA || marker == 0xD9 || length < 2) {
                return 1; // image data starts: no EXIF before it
            }
            if (marker == 0xE1 && isExif(head, pos + 4)) {
                return fromTiff(head, pos + 10, Math.min(head.length, pos + 2 + length));
            }
            pos += 2 + length;
        }
        return 1;
    }

    private static boolean isExif(byte[] b, int at) {
        return at + 6 <= b.length && b[at] == 'E' && b[at + 1] == 'x' && b[at + 2] == 'i' && b[at + 3] == 'f';
    }

    /** The orientation tag in IFD0 of the TIFF structure at {@code tiff}, 1 when absent or out of range. */
    private static int fromTiff(byte[] b, int tiff, int end) {
        if (tiff + 8 > end) {
            return 1;
        }
        boolean little = b[tiff] == 'I' && b[tiff + 1] == 'I';
        long ifd = tiff + u32(b, tiff + 4, little);
        if (ifd + 2 > end) {
            return 1;
        }
        int entries = u16(b, (int) ifd, little);
        for (int i = 0; i < entries; i++) {
            int entry = (int) ifd + 2 + 12 * i;
            if (entry + 12 > end) {
                return 1;
            }
            if (u16(b, entry, little) == ORIENTATION_TAG) {
                int value = u16(b, entry + 8, little);
                return value >= 1 && value <= 8 ? value : 1;
            }
        }
        return 1;
    }

    /** Whether an orientation swaps width and height (5-8). */
    static boolean swapsSides(int orientation) {
        return orientation >= 5;
    }

    /** {@code image} turned upright for {@code orientation} (the same object for 1), of the same image type. */
    static BufferedImage apply(BufferedImage image, int orientation) {
        if (orientation == 1) {
            return image;
        }
        int w = image.getWidth();
        int h = image.getHeight();
        boolean swap = swapsSides(orientation);
        BufferedImage out = new BufferedImage(swap ? h : w, swap ? w : h, image.getType());
        for (int y = 0; y < out.getHeight(); y++) {
            for (int x = 0; x < out.getWidth(); x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> {
                        sx = w - 1 - x;
                        sy = y;
                    }
                    case 3 -> {
                        sx = w - 1 - x;
                        sy = h - 1 - y;
                    }
                    case 4 -> {
                        sx = x;
                        sy = h - 1 - y;
                    }
                    case 5 -> {
                        sx = y;
                        sy = x;
                    }
                    case 6 -> {
                        sx = y;
                        sy = h - 1 - x;
                    }
                    case 7 -> {
                        sx = w - 1 - y;
                        sy = h - 1 - x;
                    }
                    default -> {
                        sx = w - 1 - y;
                        sy = x;
                    }
                }
                out.getRaster().setDataElements(x, y, image.getRaster().getDataElements(sx, sy, null));
            }
        }
        return out;
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static int u16(byte[] b, int i, boolean little) {
        return little ? u8(b, i) | (u8(b, i + 1) << 8) : (u8(b, i) << 8) | u8(b, i + 1);
    }

    private static long u32(byte[] b, int i, boolean little) {
        return little
                ? (u16(b, i, true) & 0xFFFFL) | ((long) u16(b, i + 2, true) << 16)
                : ((long) u16(b, i, false) << 16) | (u16(b, i + 2, false) & 0xFFFFL);
    }
}
