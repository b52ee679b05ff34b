package dev.vae4j.train.data;

import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/**
 * Brings a decoded image to the square training resolution: scale so the shorter side covers {@code size} pixels times
 * a stochastic factor drawn uniformly from [{@code rescaleMin}, {@code rescaleMax}] (open-LiteVAE's "stochastic image
 * rescaling"; 1..1 disables it), crop {@code size x size} at the centre or at a random position, then mirror
 * horizontally with probability 1/2 when {@code flip}. Resizing and cropping are {@link ResizeCrop}'s.
 *
 * @param size output side in pixels
 * @param randomCrop random crop position instead of the centre
 * @param flip random horizontal flip
 * @param rescaleMin smallest extra scale factor (>= 1)
 * @param rescaleMax largest extra scale factor (>= rescaleMin)
 */
public record Augmentation(int size, boolean randomCrop, boolean flip, double rescaleMin, double rescaleMax) {
    /** Validates the ranges. */
    public Augmentation {
        if (size <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + size);
        }
        if (!(rescaleMin >= 1.0) || !(rescaleMax >= rescaleMin)) {
            throw new IllegalArgumentException("stochastic rescale range must satisfy 1 <= min <= max, got ["
                    + rescaleMin + ", " + rescaleMax + "]");
        }
    }

    /** Resize + centre crop, no randomness: evaluation and validation. */
    public static Augmentation center(int size) {
        return new Augmentation(size, false, false, 1.0, 1.0);
    }

    /** Resize + random crop + flip: the usual training augmentation. */
    public static Augmentation training(int size) {
        return new Augmentation(size, true, true, 1.0, 1.0);
    }

    /** Applies the augmentation, drawing from {@code random} in a fixed order (scale, crop x, crop y, flip). */
    public BufferedImage apply(BufferedImage image, SplittableRandom random) {
        return apply(image, size, size, random);
    }

    /**
     * Applies the augmentation with a {@code width x height} crop instead of the square {@link #size()} (an aspect
     * bucket's shape), drawing from {@code random} in the same order.
     */
    public BufferedImage apply(BufferedImage image, int width, int height, SplittableRandom random) {
        double extra =
                rescaleMin == rescaleMax ? rescaleMin : rescaleMin + random.nextDouble() * (rescaleMax - rescaleMin);
        BufferedImage cropped = ResizeCrop.apply(image, width, height, extra, randomCrop ? random : null)
                .image();
        boolean mirror = flip && random.nextBoolean();
        return mirror ? mirror(cropped) : cropped;
    }

    /** {@code image} mirrored horizontally (a new RGB image). */
    public static BufferedImage mirror(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out.setRGB(w - 1 - x, y, image.getRGB(x, y));
            }
        }
        return out;
    }
}
