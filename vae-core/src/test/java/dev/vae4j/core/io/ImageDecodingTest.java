package dev.vae4j.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.CraftedImages;
import dev.vae4j.core.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Image files in awkward colour layouts decode to the 8-bit values PIL gives (fixtures from
 * tools/reference/gen_image_decoding.py), oversized headers fail before decoding, and PNG writes are atomic.
 */
class ImageDecodingTest {
    /** PIL and ImageIO use different JPEG decoders (IDCT, chroma upsampling): one 8-bit level apart at most. */
    private static final int TOLERANCE = 1;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "cmyk.jpg",
                "cmyk_icc.jpg",
                "rgb_icc.png",
                "rgb_icc.jpg",
                "rgb16.png",
                "gray16.png",
                "palette.png",
                "palette.gif",
                "gray_alpha.png"
            })
    void decodesAsPilDoes(String name) {
        Path folder = Fixtures.dir("image_decoding");
        try (TensorScope scope = new TensorScope();
                SafetensorsReader expected = SafetensorsReader.open(folder.resolve("expected.safetensors"))) {
            int[] rgb = bytes(expected.load(name + "/rgb"));
            int[] luma = bytes(expected.load(name + "/l"));
            BufferedImage image = ImageTensors.readImage(folder.resolve(name));
            int w = image.getWidth();
            int h = image.getHeight();
            assertEquals(rgb.length, 3 * w * h, name + " size");
            float[] planar = ImageTensors.pixels(image, 3);
            float[] gray = ImageTensors.pixels(image, 1);
            int worstRgb = 0;
            int worstLuma = 0;
            for (int i = 0; i < w * h; i++) {
                for (int c = 0; c < 3; c++) {
                    worstRgb = Math.max(worstRgb, Math.abs(level(planar[c * w * h + i]) - rgb[3 * i + c]));
                }
                worstLuma = Math.max(worstLuma, Math.abs(level(gray[i]) - luma[i]));
            }
            assertTrue(worstRgb <= TOLERANCE, name + ": RGB differs from PIL by " + worstRgb + " levels");
            assertTrue(worstLuma <= TOLERANCE, name + ": L differs from PIL by " + worstLuma + " levels");
        }
    }

    @Test
    void hugeDeclaredSizeFailsBeforeDecoding() throws IOException {
        Path bomb = dir.resolve("bomb.png");
        Files.write(bomb, CraftedImages.png(20_000, 20_000));
        assertEquals(new ImageTensors.Size(20_000, 20_000), ImageTensors.size(bomb));
        long t0 = System.nanoTime();
        ImageReadException e = assertThrows(ImageReadException.class, () -> ImageTensors.readImage(bomb));
        assertTrue(e.getMessage().contains("20000x20000") && e.getMessage().contains("limit"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "the size check must come before decoding");
    }

    @Test
    void pixelLimitIsConfigurable() throws IOException {
        Path small = dir.resolve("small.png");
        Files.write(small, CraftedImages.png(64, 64));
        String previous = System.getProperty(ImageDecoder.MAX_PIXELS_PROPERTY);
        try {
            System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, "1000");
            assertThrows(ImageReadException.class, () -> ImageTensors.readImage(small));
            System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, "nonsense");
            assertThrows(IllegalArgumentException.class, ImageTensors::maxPixels);
            System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, "4096");
            assertEquals(64, ImageTensors.readImage(small).getWidth());
        } finally {
            if (previous == null) {
                System.clearProperty(ImageDecoder.MAX_PIXELS_PROPERTY);
            } else {
                System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, previous);
            }
        }
    }

    @Test
    void failedPngWriteLeavesThePreviousFile() throws IOException {
        Path target = dir.resolve("out.png");
        BufferedImage old = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        ImageTensors.writePng(old, target);
        byte[] before = Files.readAllBytes(target);
        FileAccessException e = assertThrows(
                FileAccessException.class,
                () -> AtomicFiles.write(target, out -> {
                    out.write(new byte[100]);
                    throw new IOException("No space left on device");
                }));
        assertTrue(
                e.getMessage().contains("No space left on device")
                        && e.getMessage().contains("out.png"),
                e.getMessage());
        assertEquals(ByteBuffer.wrap(before), ByteBuffer.wrap(Files.readAllBytes(target)));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file may be left behind");
        }
    }

    private static int level(float unit) {
        return (int) Math.rint((unit + 1.0f) * 127.5f);
    }

    private static int[] bytes(Tensor t) {
        byte[] raw = new byte[(int) t.numel()];
        t.contiguous().data_ptr_byte().get(raw);
        int[] out = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            out[i] = raw[i] & 0xff;
        }
        return out;
    }
}
