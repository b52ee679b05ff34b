package dev.vae4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.tensor.TensorScope;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageTensorsTest {
    @TempDir
    Path dir;

    private static long[] shape(Tensor t) {
        return t.sizes().vec().get();
    }

    private static float[] values(Tensor t) {
        Tensor c = t.to(torch.ScalarType.Float).contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out, 0, out.length);
        return out;
    }

    private static Tensor tensorOf(float[] data, long... shape) {
        Tensor t = torch.empty(shape);
        t.data_ptr_float().put(data, 0, data.length);
        return t;
    }

    /** A 4x3 RGB(A) image whose pixel (x, y) has r = 10x + y, g = 100 + x, b = 255 - 7y, alpha = 17x. */
    private static BufferedImage pattern(int type) {
        BufferedImage image = new BufferedImage(4, 3, type);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                int argb = (17 * x) << 24 | (10 * x + y) << 16 | (100 + x) << 8 | (255 - 7 * y);
                image.setRGB(x, y, argb);
            }
        }
        return image;
    }

    private Path write(BufferedImage image, String format, String name) throws IOException {
        Path file = dir.resolve(name);
        assertTrue(ImageIO.write(image, format, file.toFile()), "no writer for " + format);
        return file;
    }

    private static float unit(int v) {
        return 2.0f * ((float) v / 255.0f) - 1.0f;
    }

    @Test
    void readsRgbPngAsPlanarFloatsInMinusOneToOne() throws IOException {
        Path file = write(pattern(BufferedImage.TYPE_INT_RGB), "png", "rgb.png");
        try (TensorScope scope = new TensorScope()) {
            Tensor t = ImageTensors.read(file);
            assertArrayEquals(new long[] {1, 3, 3, 4}, shape(t));
            assertEquals(torch.ScalarType.Float.toString(), t.scalar_type().toString());
            float[] v = values(t);
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 4; x++) {
                    int i = y * 4 + x;
                    assertEquals(unit(10 * x + y), v[i]);
                    assertEquals(unit(100 + x), v[12 + i]);
                    assertEquals(unit(255 - 7 * y), v[24 + i]);
                }
            }
            assertEquals(-1.0f, unit(0));
            assertEquals(1.0f, unit(255));
        }
    }

    @Test
    void dropsAlphaOfRgbaImages() throws IOException {
        Path rgba = write(pattern(BufferedImage.TYPE_INT_ARGB), "png", "rgba.png");
        Path rgb = write(pattern(BufferedImage.TYPE_INT_RGB), "png", "rgb.png");
        try (TensorScope scope = new TensorScope()) {
            Tensor a = ImageTensors.read(rgba);
            assertArrayEquals(new long[] {1, 3, 3, 4}, shape(a));
            assertArrayEquals(values(ImageTensors.read(rgb)), values(a));
        }
    }

    @Test
    void grayscaleFilesAreReplicatedToRgbFromTheirRawSamples() throws IOException {
        BufferedImage gray = new BufferedImage(5, 2, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = gray.getRaster();
        for (int i = 0; i < 10; i++) {
            raster.setSample(i % 5, i / 5, 0, i * 25);
        }
        Path file = write(gray, "png", "gray.png");
        try (TensorScope scope = new TensorScope()) {
            float[] rgb = values(ImageTensors.read(file));
            float[] one = values(ImageTensors.read(file, 1));
            assertEquals(30, rgb.length);
            assertEquals(10, one.length);
            for (int i = 0; i < 10; i++) {
                // no gamma conversion: the raw sample i*25, not its sRGB re-encoding
                assertEquals(unit(i * 25), one[i]);
                assertEquals(one[i], rgb[i]);
                assertEquals(one[i], rgb[10 + i]);
                assertEquals(one[i], rgb[20 + i]);
            }
        }
    }

    @Test
    void sixteenBitGrayFilesSaturateAsPilReadsThem() throws IOException {
        BufferedImage gray = new BufferedImage(4, 1, BufferedImage.TYPE_USHORT_GRAY);
        gray.getRaster().setSample(0, 0, 0, 0);
        gray.getRaster().setSample(1, 0, 0, 100);
        gray.getRaster().setSample(2, 0, 0, 257 * 100);
        gray.getRaster().setSample(3, 0, 0, 65535);
        Path file = write(gray, "png", "gray16.png");
        try (TensorScope scope = new TensorScope()) {
            // PIL opens it as I;16 and convert("L") clips to 255
            assertArrayEquals(new float[] {-1f, unit(100), 1f, 1f}, values(ImageTensors.read(file, 1)));
            // an in-memory 16-bit image is still rounded to 8 bits
            assertArrayEquals(new float[] {-1f, -1f, unit(100), 1f}, values(ImageTensors.fromImage(gray, 1)));
        }
    }

    @Test
    void colorToGrayscaleUsesPilLuma() throws IOException {
        Path file = write(pattern(BufferedImage.TYPE_INT_RGB), "png", "rgb.png");
        try (TensorScope scope = new TensorScope()) {
            Tensor t = ImageTensors.read(file, 1);
            assertArrayEquals(new long[] {1, 1, 3, 4}, shape(t));
            float[] v = values(t);
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 4; x++) {
                    int r = 10 * x + y;
                    int g = 100 + x;
                    int b = 255 - 7 * y;
                    int l = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
                    assertEquals(unit(l), v[y * 4 + x]);
                }
            }
        }
    }

    @Test
    void readsBmpGifAndJpeg() throws IOException {
        BufferedImage rgb = pattern(BufferedImage.TYPE_INT_RGB);
        Path bmp = write(rgb, "bmp", "a.BMP");
        // 8x6 px: the JDK's GIF codec mangles images as small as 4x4
        byte[] red = {0, (byte) 128, (byte) 255, 0};
        byte[] green = {0, 0, 0, 0};
        byte[] blue = {(byte) 255, 0, 0, 0};
        BufferedImage indexed =
                new BufferedImage(8, 6, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 4, red, green, blue));
        indexed.getRaster().setSample(1, 1, 0, 1);
        Path gif = write(indexed, "gif", "b.gif");
        Path jpg = write(rgb, "jpg", "c.jpeg");
        try (TensorScope scope = new TensorScope()) {
            assertArrayEquals(values(ImageTensors.read(write(rgb, "png", "ref.png"))), values(ImageTensors.read(bmp)));
            float[] g = values(ImageTensors.read(gif));
            assertEquals(3 * 48, g.length);
            // pixel (0,0) is palette entry 0 = (0, 0, 255); pixel (1,1) is entry 1 = (128, 0, 0)
            assertEquals(-1f, g[0]);
            assertEquals(-1f, g[48]);
            assertEquals(1f, g[96]);
            assertEquals(unit(128), g[9]);
            assertEquals(-1f, g[96 + 9]);
            Tensor j = ImageTensors.read(jpg);
            assertArrayEquals(new long[] {1, 3, 3, 4}, shape(j));
            for (float f : values(j)) {
                assertTrue(f >= -1f && f <= 1f);
            }
        }
    }

    @Test
    void unreadableFilesThrowImageReadExceptionNamingTheFile() throws IOException {
        Path text = dir.resolve("notes.png");
        Files.writeString(text, "this is not a PNG", StandardCharsets.UTF_8);
        Path missing = dir.resolve("missing.png");
        Path folder = Files.createDirectory(dir.resolve("folder.png"));
        Path good = write(pattern(BufferedImage.TYPE_INT_RGB), "png", "good.png");
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.png");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        Path corrupt = dir.resolve("corrupt.png");
        byte[] broken = bytes.clone();
        for (int i = 16; i < broken.length; i++) {
            broken[i] = (byte) (broken[i] ^ 0x5a);
        }
        Files.write(corrupt, broken);
        Path empty = Files.createFile(dir.resolve("empty.jpg"));
        for (Path bad : List.of(text, missing, folder, truncated, corrupt, empty)) {
            ImageReadException e = assertThrows(ImageReadException.class, () -> ImageTensors.read(bad), bad.toString());
            assertEquals(bad, e.file());
            assertTrue(e.getMessage().startsWith(bad.toString() + ": "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        for (Path bad : List.of(text, missing, folder, empty)) {
            assertThrows(ImageReadException.class, () -> ImageTensors.size(bad), bad.toString());
        }
    }

    /**
     * A JPEG cut short decodes with its missing rows filled grey and only a decoder warning; PIL refuses such a file by
     * default, and so does vae4j (training and caching then skip and count it). The whole file still reads.
     */
    @Test
    void aTruncatedJpegIsAnErrorNamingTheFile() throws IOException {
        BufferedImage image = new BufferedImage(256, 192, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(5);
        for (int y = 0; y < 192; y++) {
            for (int x = 0; x < 256; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24)); // noise: the scan data is most of the file
            }
        }
        Path whole = write(image, "jpg", "whole.jpg");
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = dir.resolve("cut.jpg");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length * 2 / 3));
        try (TensorScope scope = new TensorScope()) {
            assertArrayEquals(
                    new long[] {1, 3, 192, 256},
                    ImageTensors.read(whole).sizes().vec().get());
        }
        ImageReadException e = assertThrows(ImageReadException.class, () -> ImageTensors.read(cut));
        assertEquals(cut, e.file());
        assertTrue(e.getMessage().contains("truncated image data"), e.getMessage());
    }

    @Test
    void listingSaysWhetherTheFolderIsMissingOrAFile() throws IOException {
        Path image = write(pattern(BufferedImage.TYPE_INT_RGB), "png", "photo.png");
        IllegalArgumentException file =
                assertThrows(IllegalArgumentException.class, () -> ImageTensors.listImages(image));
        assertTrue(file.getMessage().contains("is a file, not a folder of images"), file.getMessage());
        IllegalArgumentException missing =
                assertThrows(IllegalArgumentException.class, () -> ImageTensors.listImages(dir.resolve("none")));
        assertTrue(missing.getMessage().endsWith("does not exist"), missing.getMessage());
    }

    @Test
    void sizeReadsTheHeader() throws IOException {
        Path file = write(pattern(BufferedImage.TYPE_INT_RGB), "png", "p.png");
        assertEquals(new ImageTensors.Size(4, 3), ImageTensors.size(file));
        assertEquals("4x3", ImageTensors.size(file).toString());
    }

    @Test
    void listsImagesByExtensionCaseInsensitiveSorted() throws IOException {
        BufferedImage image = pattern(BufferedImage.TYPE_INT_RGB);
        write(image, "png", "b.PNG");
        write(image, "png", "a.png");
        write(image, "jpg", "c.JpEg");
        write(image, "jpg", "d.jpg");
        write(image, "bmp", "e.bmp");
        write(image, "gif", "f.GIF");
        write(image, "png", ".hidden.png");
        Files.writeString(dir.resolve("readme.txt"), "x");
        Files.writeString(dir.resolve("png"), "x");
        Files.createDirectory(dir.resolve("sub.png"));
        List<String> names = ImageTensors.listImages(dir).stream()
                .map(p -> p.getFileName().toString())
                .toList();
        assertEquals(List.of("a.png", "b.PNG", "c.JpEg", "d.jpg", "e.bmp", "f.GIF"), names);
        assertThrows(IllegalArgumentException.class, () -> ImageTensors.listImages(dir.resolve("readme.txt")));
        assertThrows(IllegalArgumentException.class, () -> ImageTensors.listImages(dir.resolve("nope")));
        assertTrue(ImageTensors.isImageFile(Path.of("x/y.JPG")));
        assertFalse(ImageTensors.isImageFile(Path.of("x/y.webp")));
    }

    @Test
    void listsATreeOfClassFoldersInPathOrderSkippingHiddenOnesAndLinkLoops() throws IOException {
        BufferedImage image = pattern(BufferedImage.TYPE_INT_RGB);
        write(image, "png", "top.png");
        Files.createDirectories(dir.resolve("n02/deep"));
        Files.createDirectories(dir.resolve("n01"));
        Files.createDirectories(dir.resolve(".cache"));
        write(image, "png", "n02/b.png");
        write(image, "png", "n02/deep/a.png");
        write(image, "jpg", "n01/z.jpg");
        write(image, "png", ".cache/thumb.png");
        write(image, "png", "n01/.hidden.png");
        Files.writeString(dir.resolve("n01/labels.txt"), "x");
        Files.createSymbolicLink(dir.resolve("n01/loop"), dir);
        List<String> names = ImageTensors.listImagesRecursively(dir).stream()
                .map(p -> dir.relativize(p).toString())
                .toList();
        assertEquals(List.of("n01/z.jpg", "n02/b.png", "n02/deep/a.png", "top.png"), names);
        assertThrows(IllegalArgumentException.class, () -> ImageTensors.listImagesRecursively(dir.resolve("nope")));
    }

    @Test
    void aFlatFolderListsRecursivelyAsItListsFlat() throws IOException {
        BufferedImage image = pattern(BufferedImage.TYPE_INT_RGB);
        for (String name : List.of("b-1.png", "b.png", "B.png", "a_2.png", "a.png")) {
            write(image, "png", name);
        }
        assertEquals(ImageTensors.listImages(dir), ImageTensors.listImagesRecursively(dir));
    }

    @Test
    void readBatchStacksImagesAndNamesTheFirstMismatch() throws IOException {
        BufferedImage image = pattern(BufferedImage.TYPE_INT_RGB);
        Path a = write(image, "png", "a.png");
        Path b = write(pattern(BufferedImage.TYPE_INT_ARGB), "png", "b.png");
        Path small = write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "png", "small.png");
        try (TensorScope scope = new TensorScope()) {
            Tensor batch = ImageTensors.readBatch(List.of(a, b), 3);
            assertArrayEquals(new long[] {2, 3, 3, 4}, shape(batch));
            float[] v = values(batch);
            float[] single = values(ImageTensors.read(a));
            assertArrayEquals(single, Arrays.copyOfRange(v, 0, 36));
            assertArrayEquals(single, Arrays.copyOfRange(v, 36, 72));
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> ImageTensors.readBatch(List.of(a, b, small), 3));
            assertTrue(
                    e.getMessage().contains(small.toString()) && e.getMessage().contains("2x2"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ImageTensors.readBatch(List.of(), 3));
            assertThrows(IllegalArgumentException.class, () -> ImageTensors.read(a, 2));
        }
    }

    @Test
    void quantisationFollowsDiffusersPostprocess() {
        assertEquals(0, ImageTensors.toUint8(-1f));
        assertEquals(0, ImageTensors.toUint8(-7f));
        assertEquals(255, ImageTensors.toUint8(1f));
        assertEquals(255, ImageTensors.toUint8(3f));
        assertEquals(0, ImageTensors.toUint8(Float.NaN));
        // 0 -> 0.5 * 255 = 127.5 rounds half to even like numpy
        assertEquals(128, ImageTensors.toUint8(0f));
        for (int i = 0; i < 256; i++) {
            assertEquals(i, ImageTensors.toUint8(ImageTensors.toUnit(i)), "8-bit value " + i);
        }
    }

    @Test
    void writesPngLosslesslyForEightBitInputs() throws IOException {
        Path source = write(pattern(BufferedImage.TYPE_INT_RGB), "png", "src.png");
        Path out = dir.resolve("out.png");
        try (TensorScope scope = new TensorScope()) {
            Tensor t = ImageTensors.read(source);
            ImageTensors.writePng(t, out);
            BufferedImage back = ImageIO.read(out.toFile());
            BufferedImage expected = ImageIO.read(source.toFile());
            assertEquals(4, back.getWidth());
            assertEquals(3, back.getHeight());
            assertArrayEquals(expected.getRGB(0, 0, 4, 3, null, 0, 4), back.getRGB(0, 0, 4, 3, null, 0, 4));
            // also (C, H, W)
            ImageTensors.writePng(t.get(0), out);
            assertArrayEquals(
                    expected.getRGB(0, 0, 4, 3, null, 0, 4),
                    ImageIO.read(out.toFile()).getRGB(0, 0, 4, 3, null, 0, 4));
        }
    }

    @Test
    void writesGrayscalePngForOneChannelAndClampsOutOfRangeValues() throws IOException {
        Path out = dir.resolve("gray.png");
        try (TensorScope scope = new TensorScope()) {
            Tensor t = tensorOf(new float[] {-2f, -1f, 0f, 0.5f, 1f, 9f}, 1, 1, 2, 3);
            ImageTensors.writePng(t, out);
            BufferedImage back = ImageIO.read(out.toFile());
            assertEquals(BufferedImage.TYPE_BYTE_GRAY, back.getType());
            int[] samples = back.getRaster().getSamples(0, 0, 3, 2, 0, (int[]) null);
            // 0.5 -> 0.75 * 255 = 191.25 -> 191
            assertArrayEquals(new int[] {0, 0, 128, 191, 255, 255}, samples);
        }
    }

    @Test
    void writeRejectsBadShapesAndFolders() {
        try (TensorScope scope = new TensorScope()) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> ImageTensors.writePng(torch.zeros(2, 3, 4, 4), dir.resolve("x.png")));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> ImageTensors.writePng(torch.zeros(2, 4, 4), dir.resolve("x.png")));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> ImageTensors.writePng(torch.zeros(4, 4), dir.resolve("x.png")));
            assertThrows(
                    FileAccessException.class,
                    () -> ImageTensors.writePng(torch.zeros(3, 4, 4), dir.resolve("no/such/folder/x.png")));
        }
    }
}
