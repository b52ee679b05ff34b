package dev.vae4j.train.data;

import dev.vae4j.core.FileAccessException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.SplittableRandom;
import net.coobird.thumbnailator.Thumbnails;

/**
 * Resize-then-crop to a target shape: the image is scaled (Thumbnailator's quality resampling) by the smallest factor
 * that makes it cover {@code width x height} (for a square target: its shorter side becomes the side), times an
 * optional extra factor, then a {@code width x height} window is cut at the centre or at a random place.
 */
public final class ResizeCrop {
    private ResizeCrop() {}

    /**
     * Where the output came from: the size the source was resized to and the crop window in that resized image (SDXL's
     * "crop top-left" conditioning is {@code (top, left)}).
     *
     * @param resizedWidth width of the resized source, px
     * @param resizedHeight height of the resized source, px
     * @param left crop x offset in the resized image, px
     * @param top crop y offset in the resized image, px
     * @param width crop width = output width, px
     * @param height crop height = output height, px
     */
    public record Placement(int resizedWidth, int resizedHeight, int left, int top, int width, int height) {}

    /** A resized and cropped image with its placement. */
    public record Result(BufferedImage image, Placement placement) {}

    /**
     * Plans the resize and crop of a {@code sourceWidth x sourceHeight} image; draws crop x then crop y from
     * {@code random} (null: centre crop).
     *
     * @param extra extra scale factor (>= 1; 1 = just cover the target)
     */
    public static Placement plan(
            int sourceWidth, int sourceHeight, int width, int height, double extra, SplittableRandom random) {
        if (width <= 0 || height <= 0 || sourceWidth <= 0 || sourceHeight <= 0) {
            throw new IllegalArgumentException(
                    "cannot crop a " + sourceWidth + "x" + sourceHeight + " image to " + width + "x" + height);
        }
        double scale = extra * Math.max((double) width / sourceWidth, (double) height / sourceHeight);
        int resizedWidth = Math.max(width, (int) Math.round(sourceWidth * scale));
        int resizedHeight = Math.max(height, (int) Math.round(sourceHeight * scale));
        int left = random != null ? random.nextInt(resizedWidth - width + 1) : (resizedWidth - width) / 2;
        int top = random != null ? random.nextInt(resizedHeight - height + 1) : (resizedHeight - height) / 2;
        return new Placement(resizedWidth, resizedHeight, left, top, width, height);
    }

    /** Resizes and crops {@code image} to {@code width x height} (see {@link #plan}). */
    public static Result apply(BufferedImage image, int width, int height, double extra, SplittableRandom random) {
        Placement p = plan(image.getWidth(), image.getHeight(), width, height, extra, random);
        BufferedImage resized = p.resizedWidth() == image.getWidth() && p.resizedHeight() == image.getHeight()
                ? image
                : resize(image, p.resizedWidth(), p.resizedHeight());
        return new Result(resized.getSubimage(p.left(), p.top(), width, height), p);
    }

    private static BufferedImage resize(BufferedImage image, int width, int height) {
        try {
            return Thumbnails.of(image).forceSize(width, height).asBufferedImage();
        } catch (IOException e) {
            throw new FileAccessException("cannot resize image to " + width + "x" + height, e);
        }
    }
}
