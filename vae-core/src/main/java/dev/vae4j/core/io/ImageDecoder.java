package dev.vae4j.core.io;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Decodes image files into 8-bit images with the sample values PIL's {@code Image.open(f).convert("RGB")} (or
 * {@code convert("L")} for grayscale files) gives, which is what diffusers trains and runs on:
 *
 * <ul>
 *   <li>the size is read from the header first and checked against a pixel limit ({@link #maxPixels()}), so a small
 *       file declaring a huge image fails before any pixel memory is allocated;
 *   <li>CMYK and YCCK JPEGs (decoded by the TwelveMonkeys ImageIO plugin) become RGB with PIL's formula {@code R = (255
 *       - K) - (C * (255 - K)) / 255} (no colour management), Adobe-inverted samples as PIL reads them;
 *   <li>embedded ICC profiles are ignored, as {@code convert} ignores them: the stored samples are taken as sRGB;
 *   <li>16-bit RGB samples keep their high byte (PIL's {@code RGB;16B}); 16-bit grayscale samples saturate at 255
 *       (PIL's {@code I;16} to {@code L} conversion clips), which is logged as a warning;
 *   <li>palette images are expanded through the palette, alpha channels are dropped (not composited);
 *   <li>the EXIF orientation of JPEGs is ignored, as {@code convert} ignores it (the stored pixel grid), unless
 *       {@link ExifOrientation#APPLY} is in effect, which turns images upright as {@code ImageOps.exif_transpose}.
 * </ul>
 *
 * The result is always {@code TYPE_INT_RGB} or, for grayscale files, {@code TYPE_BYTE_GRAY}.
 */
final class ImageDecoder {
    /**
     * What the JPEG decoders' warnings say when the data ends before the image does ("Corrupt JPEG data: premature end
     * of data segment", libjpeg's "Premature end of JPEG file"), lower case. A file that only lacks its EOI marker (all
     * pixels present) is accepted, as PIL accepts it.
     */
    private static final String TRUNCATED_JPEG = "premature end";

    /**
     * The default pixel limit: PIL's decompression-bomb error threshold ({@code 2 * Image.MAX_IMAGE_PIXELS}),
     * 178,956,970 pixels (a 13,377 px square).
     */
    static final long DEFAULT_MAX_PIXELS = 178_956_970L;
    /** System property overriding {@link #DEFAULT_MAX_PIXELS} (a positive integer). */
    static final String MAX_PIXELS_PROPERTY = "vae4j.image.maxPixels";

    private static final Logger LOG = LoggerFactory.getLogger(ImageDecoder.class);
    private static final String FORMATS = "PNG, JPEG, BMP, GIF";
    private static final String JPEG_METADATA = "javax_imageio_jpeg_image_1.0";
    private static final String JDK_JPEG_READER = "com.sun.imageio.plugins.jpeg.";

    private ImageDecoder() {}

    /** The largest width * height decoded; from {@value #MAX_PIXELS_PROPERTY}, else {@link #DEFAULT_MAX_PIXELS}. */
    static long maxPixels() {
        String value = System.getProperty(MAX_PIXELS_PROPERTY);
        if (value == null || value.isBlank()) {
            return DEFAULT_MAX_PIXELS;
        }
        try {
            long limit = Long.parseLong(value.trim());
            if (limit > 0) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "-D" + MAX_PIXELS_PROPERTY + " must be a positive integer, got '" + value + "'");
    }

    /** The size of an image from its header, without decoding the pixels (upright with {@link ExifOrientation}). */
    static ImageTensors.Size size(Path file) {
        requireReadableFile(file);
        ImageTensors.Size stored = withReader(
                file,
                () -> ImageIO.createImageInputStream(file.toFile()),
                "cannot read image header",
                reader -> header(reader));
        return upright(stored, orientation(file));
    }

    /** The size of the image encoded in {@code bytes} (named {@code file} in errors), from its header. */
    static ImageTensors.Size size(Path file, byte[] bytes) {
        ImageTensors.Size stored = withReader(
                file,
                () -> ImageIO.createImageInputStream(new ByteArrayInputStream(bytes)),
                "cannot read image header",
                reader -> header(reader));
        return upright(stored, orientation(bytes));
    }

    /** Decodes {@code file} (see the class comment). */
    static BufferedImage read(Path file) {
        requireReadableFile(file);
        BufferedImage stored = read(file, () -> ImageIO.createImageInputStream(file.toFile()));
        return ExifTranspose.apply(stored, orientation(file));
    }

    /** Decodes the image encoded in {@code bytes} (an archive entry, named {@code file} in errors). */
    static BufferedImage read(Path file, byte[] bytes) {
        BufferedImage stored = read(file, () -> ImageIO.createImageInputStream(new ByteArrayInputStream(bytes)));
        return ExifTranspose.apply(stored, orientation(bytes));
    }

    /** The EXIF orientation to apply to {@code file}: 1 unless {@link ExifOrientation#APPLY} is in effect. */
    private static int orientation(Path file) {
        if (ExifOrientation.current() != ExifOrientation.APPLY) {
            return 1;
        }
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return ExifTranspose.orientation(in.readNBytes(ExifTranspose.HEAD_BYTES));
        } catch (IOException e) {
            throw new ImageReadException(file, "cannot read the EXIF orientation (" + describe(e) + ")", e);
        }
    }

    private static int orientation(byte[] bytes) {
        return ExifOrientation.current() == ExifOrientation.APPLY ? ExifTranspose.orientation(bytes) : 1;
    }

    private static ImageTensors.Size upright(ImageTensors.Size stored, int orientation) {
        return ExifTranspose.swapsSides(orientation) ? new ImageTensors.Size(stored.height(), stored.width()) : stored;
    }

    private static BufferedImage read(Path file, InputOpener opener) {
        return withReader(file, opener, "cannot decode image", reader -> {
            List<String> truncated = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> {
                if (warning != null && warning.toLowerCase(Locale.ROOT).contains(TRUNCATED_JPEG)) {
                    truncated.add(warning);
                }
            });
            ImageTensors.Size size = header(reader);
            long pixels = (long) size.width() * size.height();
            long limit = maxPixels();
            if (pixels > limit) {
                throw new ImageReadException(
                        file,
                        String.format(
                                Locale.ROOT,
                                "image is %s px (%,d pixels), more than"
                                        + " the limit of %,d pixels (raise it with -D%s=N)",
                                size,
                                pixels,
                                limit,
                                MAX_PIXELS_PROPERTY));
            }
            ImageTypeSpecifier raw = reader.getRawImageType(0);
            int space = raw == null ? -1 : raw.getColorModel().getColorSpace().getType();
            if (space == ColorSpace.TYPE_CMYK && reader.canReadRaster()) {
                return cmykToRgb(reader.readRaster(0, null), adobeInverted(reader));
            }
            BufferedImage image = reader.read(0);
            if (!truncated.isEmpty()) {
                // the decoder filled the missing rows with grey; PIL refuses such a file by default, and so do we
                throw new ImageReadException(file, "truncated image data (" + truncated.get(0) + ")");
            }
            return standardize(file, image);
        });
    }

    private interface ReaderWork<T> {
        T apply(ImageReader reader) throws IOException;
    }

    /** Opens the encoded bytes (of a file or in memory). */
    private interface InputOpener {
        ImageInputStream open() throws IOException;
    }

    private static <T> T withReader(Path file, InputOpener opener, String failure, ReaderWork<T> work) {
        try (ImageInputStream in = opener.open()) {
            if (in == null) {
                throw new ImageReadException(file, "cannot open the file");
            }
            List<ImageReader> readers = new ArrayList<>();
            ImageIO.getImageReaders(in).forEachRemaining(readers::add);
            if (readers.isEmpty()) {
                throw new ImageReadException(file, "not an image in a supported format (" + FORMATS + ")");
            }
            // The JDK's JPEG reader decodes RGB and grayscale JPEGs ~1.4x faster than TwelveMonkeys' (measured); any
            // other colour space (CMYK, YCCK), or a failure, goes to the next reader (TwelveMonkeys).
            readers.sort(Comparator.comparing(r -> !isJdkJpegReader(r)));
            for (int i = 0; ; i++) {
                ImageReader reader = readers.get(i);
                boolean fallBack = isJdkJpegReader(reader) && i < readers.size() - 1;
                try {
                    in.seek(0);
                    reader.setInput(in, true, true);
                    if (fallBack && !rgbOrGray(reader)) {
                        continue;
                    }
                    return work.apply(reader);
                } catch (IOException e) {
                    if (!fallBack) {
                        throw e;
                    }
                } finally {
                    reader.dispose();
                }
            }
        } catch (ImageReadException e) {
            throw e;
        } catch (IOException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
            throw new ImageReadException(file, failure + " (" + describe(e) + ")", e);
        }
    }

    private static boolean isJdkJpegReader(ImageReader reader) {
        return reader.getClass().getName().startsWith(JDK_JPEG_READER);
    }

    private static boolean rgbOrGray(ImageReader reader) throws IOException {
        ImageTypeSpecifier raw = reader.getRawImageType(0);
        int space = raw == null ? -1 : raw.getColorModel().getColorSpace().getType();
        return space == ColorSpace.TYPE_RGB || space == ColorSpace.TYPE_GRAY;
    }

    private static ImageTensors.Size header(ImageReader reader) throws IOException {
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        if (width <= 0 || height <= 0) {
            throw new IOException("image has no pixels (" + width + "x" + height + ")");
        }
        return new ImageTensors.Size(width, height);
    }

    /**
     * Whether the JPEG carries Adobe's APP14 marker, whose CMYK samples are stored inverted (PIL then reads them with
     * its {@code CMYK;I} raw mode).
     */
    private static boolean adobeInverted(ImageReader reader) throws IOException {
        IIOMetadata metadata = reader.getImageMetadata(0);
        if (metadata == null
                || !Arrays.asList(metadata.getMetadataFormatNames()).contains(JPEG_METADATA)) {
            return false;
        }
        Node tree = metadata.getAsTree(JPEG_METADATA);
        return tree instanceof Element root
                && root.getElementsByTagName("app14Adobe").getLength() > 0;
    }

    /**
     * PIL's {@code cmyk2rgb} on raw CMYK samples (bands C, M, Y, K), after undoing Adobe's inversion as PIL's
     * {@code CMYK;I} raw mode does when {@code inverted}.
     */
    private static BufferedImage cmykToRgb(Raster raster, boolean inverted) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        if (raster.getNumBands() < 4) {
            throw new IllegalArgumentException("CMYK image has " + raster.getNumBands() + " bands");
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] rgb = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        int x0 = raster.getMinX();
        int y0 = raster.getMinY();
        int[][] bands = new int[4][w];
        for (int y = 0; y < h; y++) {
            for (int b = 0; b < 4; b++) {
                raster.getSamples(x0, y0 + y, w, 1, b, bands[b]);
                if (inverted) {
                    for (int x = 0; x < w; x++) {
                        bands[b][x] = 255 - bands[b][x];
                    }
                }
            }
            for (int x = 0; x < w; x++) {
                int nk = 255 - bands[3][x];
                int r = nk - mulDiv255(bands[0][x], nk);
                int g = nk - mulDiv255(bands[1][x], nk);
                int bl = nk - mulDiv255(bands[2][x], nk);
                rgb[y * w + x] = clip8(r) << 16 | clip8(g) << 8 | clip8(bl);
            }
        }
        return out;
    }

    /** PIL's {@code MULDIV255}: a * b / 255 rounded the way PIL does. */
    private static int mulDiv255(int a, int b) {
        int tmp = a * b + 128;
        return ((tmp >> 8) + tmp) >> 8;
    }

    private static int clip8(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** The image as {@code TYPE_BYTE_GRAY} (grayscale files) or {@code TYPE_INT_RGB}, by PIL's rules. */
    private static BufferedImage standardize(Path file, BufferedImage image) {
        if (image == null) {
            throw new ImageReadException(file, "not an image in a supported format (" + FORMATS + ")");
        }
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        int w = image.getWidth();
        int h = image.getHeight();
        int[] row = new int[w];
        if (cm instanceof IndexColorModel) {
            BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            int[] rgb = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
            image.getRGB(0, 0, w, h, rgb, 0, w);
            for (int i = 0; i < rgb.length; i++) {
                rgb[i] &= 0xffffff;
            }
            return out;
        }
        int type = cm.getColorSpace().getType();
        int components = cm.getNumColorComponents();
        if (components == 1 && type == ColorSpace.TYPE_GRAY) {
            BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            byte[] gray = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
            int bits = cm.getComponentSize(0);
            boolean saturated = false;
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int v = eightBitGray(row[x], bits);
                    saturated |= bits > 8 && row[x] > 255;
                    gray[y * w + x] = (byte) v;
                }
            }
            if (saturated) {
                LOG.warn(
                        "{}: {}-bit grayscale samples above 255 read as 255, as PIL's convert(\"L\"/\"RGB\") does",
                        file,
                        bits);
            }
            return out;
        }
        if (components == 3 && type == ColorSpace.TYPE_RGB) {
            BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            int[] rgb = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
            int[][] bands = new int[3][w];
            for (int y = 0; y < h; y++) {
                for (int b = 0; b < 3; b++) {
                    raster.getSamples(0, y, w, 1, b, bands[b]);
                    int bits = cm.getComponentSize(b);
                    for (int x = 0; x < w; x++) {
                        bands[b][x] = eightBitColor(bands[b][x], bits);
                    }
                }
                for (int x = 0; x < w; x++) {
                    rgb[y * w + x] = bands[0][x] << 16 | bands[1][x] << 8 | bands[2][x];
                }
            }
            return out;
        }
        // Any other colour space: let Java's colour management produce sRGB.
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] rgb = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        image.getRGB(0, 0, w, h, rgb, 0, w);
        return out;
    }

    /** PIL's reading of a gray sample of {@code bits} bits as 8 bits: scaled up below 8 bits, clipped above. */
    private static int eightBitGray(int sample, int bits) {
        if (bits == 8) {
            return sample;
        }
        if (bits < 8) {
            return sample * 255 / ((1 << bits) - 1);
        }
        return Math.min(sample, 255);
    }

    /** PIL's reading of a colour sample of {@code bits} bits as 8 bits: the high byte above 8 bits. */
    private static int eightBitColor(int sample, int bits) {
        if (bits == 8) {
            return sample;
        }
        if (bits < 8) {
            return sample * 255 / ((1 << bits) - 1);
        }
        return sample >>> (bits - 8);
    }

    private static void requireReadableFile(Path file) {
        if (Files.isDirectory(file)) {
            throw new ImageReadException(file, "is a folder, not an image file");
        }
        if (!Files.exists(file)) {
            throw new ImageReadException(file, "no such file");
        }
        if (!Files.isReadable(file)) {
            throw new ImageReadException(file, "permission denied", new AccessDeniedException(file.toString()));
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
