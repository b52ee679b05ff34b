package dev.vae4j.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EXIF orientation: ignored by default (the stored grid, as PIL's bare {@code convert("RGB")}); with
 * {@link ExifOrientation#APPLY} images and header sizes are turned upright as PIL's {@code ImageOps.exif_transpose}
 * (its mapping of orientations 2-8 was checked against PIL 11 on a 3x2 image: the same pixel for pixel).
 */
class ExifOrientationTest {
    private static final int RED = 0xFF0000;
    private static final int BLUE = 0x0000FF;

    /** A 32x16 JPEG, left half red, right half blue, with an EXIF APP1 segment holding {@code orientation}. */
    private static Path jpeg(Path dir, int orientation, boolean littleEndian) throws IOException {
        BufferedImage image = new BufferedImage(32, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 32; x++) {
                image.setRGB(x, y, x < 16 ? RED : BLUE);
            }
        }
        ByteArrayOutputStream encoded = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", encoded);
        byte[] jpeg = encoded.toByteArray();
        byte[] tiff = littleEndian
                ? new byte[] {
                    'I',
                    'I',
                    42,
                    0,
                    8,
                    0,
                    0,
                    0,
                    1,
                    0,
                    0x12,
                    0x01,
                    3,
                    0,
                    1,
                    0,
                    0,
                    0,
                    (byte) orientation,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0
                }
                : new byte[] {
                    'M',
                    'M',
                    0,
                    42,
                    0,
                    0,
                    0,
                    8,
                    0,
                    1,
                    0x01,
                    0x12,
                    0,
                    3,
                    0,
                    0,
                    0,
                    1,
                    0,
                    (byte) orientation,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0
                };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        int length = 2 + 6 + tiff.length;
        out.write(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (length >> 8), (byte) length});
        out.write(new byte[] {'E', 'x', 'i', 'f', 0, 0});
        out.write(tiff);
        out.write(jpeg, 2, jpeg.length - 2);
        Path file = dir.resolve("o" + orientation + (littleEndian ? "-le" : "") + ".jpg");
        Files.write(file, out.toByteArray());
        return file;
    }

    private static boolean reddish(int rgb) {
        return ((rgb >> 16) & 0xFF) > 200 && (rgb & 0xFF) < 60;
    }

    private static <T> T with(ExifOrientation mode, java.util.function.Supplier<T> work) {
        String before = System.getProperty(ExifOrientation.PROPERTY);
        ExifOrientation.use(mode);
        try {
            return work.get();
        } finally {
            if (before == null) {
                System.clearProperty(ExifOrientation.PROPERTY);
            } else {
                System.setProperty(ExifOrientation.PROPERTY, before);
            }
        }
    }

    @Test
    void theDefaultKeepsTheStoredGridAsPilsConvertDoes(@TempDir Path dir) throws IOException {
        Path file = jpeg(dir, 6, false);
        assertEquals(ExifOrientation.IGNORE, ExifOrientation.current());
        BufferedImage image = ImageTensors.readImage(file);
        assertEquals(32, image.getWidth());
        assertEquals(new ImageTensors.Size(32, 16), ImageTensors.size(file));
        assertTrue(reddish(image.getRGB(0, 0)));
    }

    @Test
    void applyTurnsImagesAndSizesUprightAsExifTranspose(@TempDir Path dir) throws IOException {
        for (boolean little : new boolean[] {false, true}) {
            Path rotated = jpeg(dir, 6, little); // rotate 90° clockwise: the red left half goes on top
            BufferedImage upright = with(ExifOrientation.APPLY, () -> ImageTensors.readImage(rotated));
            assertEquals(16, upright.getWidth());
            assertEquals(32, upright.getHeight());
            assertTrue(reddish(upright.getRGB(8, 4)), "red on top");
            assertTrue(!reddish(upright.getRGB(8, 28)), "blue below");
            assertEquals(new ImageTensors.Size(16, 32), with(ExifOrientation.APPLY, () -> ImageTensors.size(rotated)));
        }
        Path ccw = jpeg(dir, 8, false); // rotate 90° counter-clockwise: red at the bottom
        BufferedImage upright = with(ExifOrientation.APPLY, () -> ImageTensors.readImage(ccw));
        assertTrue(reddish(upright.getRGB(8, 28)));
        Path mirrored = jpeg(dir, 2, false);
        assertTrue(reddish(with(ExifOrientation.APPLY, () -> ImageTensors.readImage(mirrored))
                .getRGB(28, 8)));
    }

    @Test
    void aModeOtherThanIgnoreOrApplyIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExifOrientation.parse("auto"));
        assertEquals("EXIF orientation must be 'ignore' or 'apply', got 'auto'", e.getMessage());
    }
}
