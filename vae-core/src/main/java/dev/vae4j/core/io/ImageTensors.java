package dev.vae4j.core.io;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.core.tensor.TensorScope;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Image files &lt;-&gt; float image tensors, with the pixel conventions of diffusers' {@code VaeImageProcessor}.
 *
 * <p><b>Reading</b> (PNG, JPEG, BMP, GIF through {@code javax.imageio}) gives a float32 CPU tensor (1, C, H, W) with
 * values in [-1, 1]: each 8-bit sample x becomes {@code 2 * (x / 255) - 1}, computed in float32 in that order, exactly
 * like diffusers' {@code pil_to_numpy} followed by {@code normalize}. With C = 3 every image becomes RGB: grayscale is
 * replicated into the three channels, palette images are expanded and an alpha channel is dropped (not composited), as
 * PIL's {@code convert("RGB")} does. With C = 1 colour images are reduced to luma with PIL's {@code convert("L")} rule
 * {@code (19595 R + 38470 G + 7471 B + 32768) >> 16}. Grayscale files are read from their raw samples (no gamma
 * conversion). Files are decoded by {@link ImageDecoder} with PIL's sample values (CMYK/YCCK JPEGs, ICC profiles,
 * 16-bit samples, palettes) after a header check against {@link #maxPixels()}; a GIF gives its first frame. A decoded
 * {@code BufferedImage} given to {@link #fromImage} or {@link #pixels} with 16-bit gray samples is rounded to 8 bits.
 *
 * <p><b>Writing</b> turns a (C, H, W) or (1, C, H, W) tensor in [-1, 1] (C = 3 for RGB, C = 1 for grayscale; any float
 * dtype, any device) into an 8-bit PNG exactly as {@code VaeImageProcessor.postprocess(output_type="pil")} does:
 * {@code round(clamp(x * 0.5 + 0.5, 0, 1) * 255)} in float32 with round-half-to-even (NaN becomes 0).
 *
 * <p>Pixel data crosses JNI once per image: the tensor is filled from, or copied into, one Java {@code float[]}.
 * Tensors created here attach to the caller's innermost {@link TensorScope} like any other new tensor.
 *
 * <p>Every failure to read an image (missing file, folder, unknown format, corrupt or truncated data) throws
 * {@link ImageReadException} naming the file; a failure to write throws {@link FileAccessException}. PNGs are written
 * atomically (a temporary sibling renamed into place): a failed write leaves the previous file intact.
 */
public final class ImageTensors {
    /** The file extensions (lower case, without dot) {@link #listImages} and {@link #isImageFile} accept. */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    private static final Logger LOG = LoggerFactory.getLogger(ImageTensors.class);
    /** x / 255 * 2 - 1 for every 8-bit value, computed in float32 like numpy does. */
    private static final float[] TO_UNIT = new float[256];

    static {
        for (int i = 0; i < 256; i++) {
            float v = (float) i / 255.0f;
            TO_UNIT[i] = 2.0f * v - 1.0f;
        }
    }

    private ImageTensors() {}

    /**
     * Width and height of an image in pixels.
     *
     * @param width pixels per row
     * @param height rows
     */
    public record Size(int width, int height) {
        /** As {@code "WxH"}, e.g. {@code "512x384"}. */
        @Override
        public String toString() {
            return width + "x" + height;
        }
    }

    /** Whether {@code file}'s name ends in one of {@link #EXTENSIONS} (case-insensitive); the content is not read. */
    public static boolean isImageFile(Path file) {
        Path name = file.getFileName();
        if (name == null) {
            return false;
        }
        String s = name.toString();
        int dot = s.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(s.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /**
     * The image files directly inside {@code folder} (not recursive), selected by extension (case-insensitive,
     * {@link #EXTENSIONS}) and sorted by file name. Hidden files (names starting with '.') and sub-folders are skipped.
     *
     * @throws IllegalArgumentException if {@code folder} does not exist or is not a folder
     * @throws FileAccessException if the folder cannot be listed
     */
    public static List<Path> listImages(Path folder) {
        requireFolder(folder);
        List<Path> images = new ArrayList<>();
        int skipped = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.startsWith(".") && isImageFile(entry) && Files.isRegularFile(entry)) {
                    images.add(entry);
                } else {
                    skipped++;
                }
            }
        } catch (IOException e) {
            throw new FileAccessException("cannot list image folder " + folder + ": " + e.getMessage(), e);
        }
        images.sort(Comparator.comparing(p -> p.getFileName().toString()));
        LOG.debug("{}: {} image files, {} other entries skipped", folder, images.size(), skipped);
        return images;
    }

    /**
     * The image files anywhere under {@code folder}, sub-folders included (an ImageNet-style tree of class folders),
     * selected by extension as {@link #listImages} and sorted by their path relative to {@code folder} with '/'
     * separators, so a flat folder lists as {@link #listImages} lists it. Hidden files and folders (names starting with
     * '.') are skipped; symbolic links are followed, a link back to a folder above it is skipped with a warning.
     *
     * @throws IllegalArgumentException if {@code folder} does not exist or is not a folder
     * @throws FileAccessException if a folder of the tree cannot be listed
     */
    public static List<Path> listImagesRecursively(Path folder) {
        requireFolder(folder);
        List<Path> images = new ArrayList<>();
        try {
            Files.walkFileTree(
                    folder, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                            return !dir.equals(folder) && hidden(dir)
                                    ? FileVisitResult.SKIP_SUBTREE
                                    : FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                            if (attributes.isRegularFile() && !hidden(file) && isImageFile(file)) {
                                images.add(file);
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                            if (e instanceof FileSystemLoopException) {
                                LOG.warn("{}: a link back to a folder above it, skipped", file);
                                return FileVisitResult.CONTINUE;
                            }
                            throw e;
                        }
                    });
        } catch (IOException e) {
            throw new FileAccessException("cannot list image folder " + folder + ": " + e.getMessage(), e);
        }
        images.sort(Comparator.comparing(p -> relativeName(folder, p)));
        LOG.debug("{}: {} image files in the tree", folder, images.size());
        return images;
    }

    private static boolean hidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    private static String relativeName(Path folder, Path file) {
        return folder.relativize(file).toString().replace(java.io.File.separatorChar, '/');
    }

    private static void requireFolder(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException(
                    !Files.exists(folder)
                            ? folder + " does not exist"
                            : folder + " is a file, not a folder of images"
                                    + (isImageFile(folder) ? " (put the image in a folder of its own)" : ""));
        }
    }

    /**
     * The size of an image from its header, without decoding the pixels.
     *
     * @throws ImageReadException if the file is missing or not an image javax.imageio can read
     */
    public static Size size(Path file) {
        return ImageDecoder.size(file);
    }

    /**
     * The size of an image encoded in memory (e.g. an archive entry), from its header.
     *
     * @param name where the bytes come from, for error messages
     * @throws ImageReadException if the bytes are not an image javax.imageio can read
     */
    public static Size size(byte[] bytes, Path name) {
        return ImageDecoder.size(name, bytes);
    }

    /**
     * Decodes an image encoded in memory (e.g. an archive entry) with the rules of {@link #readImage(Path)}.
     *
     * @param name where the bytes come from, for error messages
     * @throws ImageReadException if the bytes are not a decodable image within the pixel limit
     */
    public static BufferedImage readImage(byte[] bytes, Path name) {
        return ImageDecoder.read(name, bytes);
    }

    /**
     * The largest image (width * height) {@link #readImage} decodes: PIL's decompression-bomb limit, 178,956,970
     * pixels, unless the system property {@code vae4j.image.maxPixels} sets another. The size is checked from the file
     * header, before any pixel memory is allocated.
     */
    public static long maxPixels() {
        return ImageDecoder.maxPixels();
    }

    /** Reads an image as RGB: a float32 tensor (1, 3, H, W) in [-1, 1]. See {@link #read(Path, int)}. */
    public static Tensor read(Path file) {
        return read(file, 3);
    }

    /**
     * Reads an image as a float32 CPU tensor (1, channels, H, W) in [-1, 1].
     *
     * @param channels 3 for RGB, 1 for grayscale
     * @throws ImageReadException if the file cannot be read or decoded
     * @throws IllegalArgumentException if {@code channels} is not 1 or 3
     */
    public static Tensor read(Path file, int channels) {
        return fromImage(readImage(file), channels);
    }

    /**
     * Reads images of one size into a batch: a float32 CPU tensor (N, channels, H, W) in [-1, 1], in list order.
     *
     * @param channels 3 for RGB, 1 for grayscale
     * @throws IllegalArgumentException if the list is empty, {@code channels} is not 1 or 3, or an image's size differs
     *     from the first one's (the message names the first such file)
     * @throws ImageReadException if a file cannot be read or decoded
     */
    public static Tensor readBatch(List<Path> files, int channels) {
        requireChannels(channels);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no image files to read");
        }
        Tensor batch = null;
        Size first = null;
        FloatPointer data = null;
        float[] pixels = null;
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            BufferedImage image = readImage(file);
            Size size = new Size(image.getWidth(), image.getHeight());
            if (first == null) {
                first = size;
                pixels = new float[Math.multiplyExact(channels, Math.multiplyExact(size.width(), size.height()))];
                batch = torch.empty(
                        new long[] {files.size(), channels, size.height(), size.width()},
                        new TensorOptions(torch.ScalarType.Float),
                        new MemoryFormatOptional());
                data = batch.data_ptr_float();
            } else if (!size.equals(first)) {
                throw new IllegalArgumentException("image " + file + " is " + size + " px but " + files.get(0) + " is "
                        + first + " px; all images of a batch must have the same size");
            }
            toPixels(image, channels, pixels);
            data.position((long) i * pixels.length).put(pixels, 0, pixels.length);
        }
        return batch;
    }

    /**
     * Decodes an image file into a {@code TYPE_INT_RGB} or (grayscale files) {@code TYPE_BYTE_GRAY} image with the
     * 8-bit values PIL's {@code convert("RGB")} gives: CMYK/YCCK JPEGs by PIL's formula, ICC profiles ignored, 16-bit
     * samples and palettes as PIL reads them (see {@link ImageDecoder}).
     *
     * @throws ImageReadException if the file is missing, a folder, not an image in a supported format, corrupt, or
     *     larger than {@link #maxPixels()}
     */
    public static BufferedImage readImage(Path file) {
        return ImageDecoder.read(file);
    }

    /**
     * Converts a decoded image into a float32 CPU tensor (1, channels, H, W) in [-1, 1] with the rules of the class
     * comment.
     *
     * @param channels 3 for RGB, 1 for grayscale
     * @throws IllegalArgumentException if {@code channels} is not 1 or 3
     */
    public static Tensor fromImage(BufferedImage image, int channels) {
        requireChannels(channels);
        int w = image.getWidth();
        int h = image.getHeight();
        float[] pixels = pixels(image, channels);
        Tensor t = torch.empty(
                new long[] {1, channels, h, w}, new TensorOptions(torch.ScalarType.Float), new MemoryFormatOptional());
        t.data_ptr_float().put(pixels, 0, pixels.length);
        return t;
    }

    /**
     * The samples of a decoded image as a Java array, CHW order, in [-1, 1], with the rules of the class comment (no
     * native memory: safe on data-loading threads).
     *
     * @param channels 3 for RGB, 1 for grayscale
     */
    public static float[] pixels(BufferedImage image, int channels) {
        requireChannels(channels);
        float[] pixels =
                new float[Math.multiplyExact(channels, Math.multiplyExact(image.getWidth(), image.getHeight()))];
        toPixels(image, channels, pixels);
        return pixels;
    }

    /**
     * Converts an image tensor (C, H, W) or (1, C, H, W) in [-1, 1], C = 3 (RGB) or 1 (grayscale), into an 8-bit image
     * ({@code TYPE_INT_RGB} or {@code TYPE_BYTE_GRAY}) with {@link #toUint8(float)}.
     *
     * @throws IllegalArgumentException for any other shape or a non-floating-point tensor
     */
    public static BufferedImage toImage(Tensor image) {
        if (image == null || image.isNull() || !image.defined()) {
            throw new IllegalArgumentException("image tensor is undefined");
        }
        int dims = (int) image.dim();
        boolean batched = dims == 4;
        if (!(dims == 3 || (batched && image.size(0) == 1))) {
            throw new IllegalArgumentException(
                    "an image tensor must be (C, H, W) or (1, C, H, W), got shape " + Shapes.describe(image));
        }
        if (!image.is_floating_point()) {
            throw new IllegalArgumentException(
                    "an image tensor must be floating point in [-1, 1], got " + image.scalar_type());
        }
        long c = image.size(dims - 3);
        long hl = image.size(dims - 2);
        long wl = image.size(dims - 1);
        if (c != 1 && c != 3) {
            throw new IllegalArgumentException(
                    "an image tensor must have 1 or 3 channels, got shape " + Shapes.describe(image));
        }
        if (hl <= 0 || wl <= 0 || hl * wl > Integer.MAX_VALUE / 3) {
            throw new IllegalArgumentException("cannot make an image of shape " + Shapes.describe(image));
        }
        int h = (int) hl;
        int w = (int) wl;
        int plane = h * w;
        float[] values = new float[(int) c * plane];
        try (TensorScope scope = new TensorScope()) {
            Tensor cpu = image.to(torch.ScalarType.Float).cpu().contiguous();
            cpu.data_ptr_float().get(values, 0, values.length);
        }
        if (c == 1) {
            BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            byte[] bytes = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
            for (int i = 0; i < plane; i++) {
                bytes[i] = (byte) toUint8(values[i]);
            }
            return out;
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] rgb = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < plane; i++) {
            rgb[i] = toUint8(values[i]) << 16 | toUint8(values[plane + i]) << 8 | toUint8(values[2 * plane + i]);
        }
        return out;
    }

    /**
     * Writes an image tensor (C, H, W) or (1, C, H, W) in [-1, 1] as an 8-bit PNG (RGB for C = 3, grayscale for C = 1),
     * replacing {@code file}. The folder must exist.
     *
     * @throws IllegalArgumentException for a tensor {@link #toImage(Tensor)} rejects
     * @throws FileAccessException if the file cannot be written
     */
    public static void writePng(Tensor image, Path file) {
        writePng(toImage(image), file);
    }

    /**
     * Writes an image as PNG, replacing {@code file}. The folder must exist.
     *
     * @throws FileAccessException if the file cannot be written
     */
    public static void writePng(BufferedImage image, Path file) {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
        if (!writers.hasNext()) {
            throw new IllegalStateException("this Java runtime has no PNG writer");
        }
        ImageWriter writer = writers.next();
        try {
            AtomicFiles.write(file, out -> {
                try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
                    writer.setOutput(stream);
                    writer.write(image);
                }
            });
        } finally {
            writer.dispose();
        }
    }

    /**
     * diffusers' float-to-8-bit rule for one value in [-1, 1]: {@code rint(clamp(x * 0.5 + 0.5, 0, 1) * 255)}, in
     * float32, rounding half to even like numpy; NaN gives 0.
     */
    public static int toUint8(float x) {
        float v = x * 0.5f + 0.5f;
        if (!(v > 0.0f)) {
            return 0;
        }
        if (v > 1.0f) {
            v = 1.0f;
        }
        return (int) Math.rint(v * 255.0f);
    }

    /** The [-1, 1] value of an 8-bit sample: {@code 2 * (x / 255) - 1} in float32. */
    public static float toUnit(int sample) {
        return TO_UNIT[sample];
    }

    /** Fills {@code out} (channels * H * W, planar) with the image's [-1, 1] values. */
    private static void toPixels(BufferedImage image, int channels, float[] out) {
        int w = image.getWidth();
        int h = image.getHeight();
        int plane = w * h;
        ColorModel cm = image.getColorModel();
        boolean rawGray = !(cm instanceof IndexColorModel)
                && cm.getNumColorComponents() == 1
                && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        if (rawGray) {
            // Raw samples: getRGB would push a linear-gray image through a gamma conversion.
            Raster raster = image.getRaster();
            int bits = cm.getComponentSize(0);
            long max = (1L << bits) - 1;
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int sample = bits == 8 ? row[x] : (int) ((row[x] * 255L + max / 2) / max);
                    float v = TO_UNIT[sample];
                    int i = y * w + x;
                    for (int c = 0; c < channels; c++) {
                        out[c * plane + i] = v;
                    }
                }
            }
            return;
        }
        int[] argb = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, argb, 0, w);
            for (int x = 0; x < w; x++) {
                int p = argb[x];
                int r = (p >> 16) & 0xff;
                int g = (p >> 8) & 0xff;
                int b = p & 0xff;
                int i = y * w + x;
                if (channels == 3) {
                    out[i] = TO_UNIT[r];
                    out[plane + i] = TO_UNIT[g];
                    out[2 * plane + i] = TO_UNIT[b];
                } else {
                    out[i] = TO_UNIT[(r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16];
                }
            }
        }
    }

    private static void requireChannels(int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException(
                    "images can be read with 1 (grayscale) or 3 (RGB) channels, not " + channels);
        }
    }
}
