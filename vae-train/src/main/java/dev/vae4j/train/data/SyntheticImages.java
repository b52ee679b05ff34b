package dev.vae4j.train.data;

import dev.vae4j.core.io.ImageTensors;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The built-in dataset, needing no downloads: procedural RGB images — a two-colour linear gradient background, an
 * optional translucent stripe or checker texture (cells of at least 4 px, a bit over 1/8 of the side), and 1 to 4
 * antialiased shapes (discs, rectangles, triangles, lines at least 2 px thick) in random colours. Image {@code i}
 * depends only on {@code (seed, i)}; random horizontal flips come from the caller's generator. Smooth regions, sharp
 * edges and periodic detail make reconstruction quality visible; the detail is coarse enough for an f4 autoencoder to
 * reproduce.
 *
 * <p>The texture is the image's class ({@link ImageClasses}): {@code plain} (none), {@code stripes} or
 * {@code checkers}, each drawn with probability 1/3, so class-conditional stage-2 training runs on this data too.
 */
public final class SyntheticImages implements ImageDataset, ImageClasses {
    /** The class names: label i is the texture {@code CLASS_NAMES.get(i)}. */
    public static final List<String> CLASS_NAMES = List.of("plain", "stripes", "checkers");

    private final int count;
    private final int size;
    private final long seed;
    private final Augmentation augmentation;

    /**
     * @param count number of distinct images
     * @param size side in pixels
     * @param seed content seed
     * @param flip random horizontal flips (training) or none (validation)
     */
    public SyntheticImages(int count, int size, long seed, boolean flip) {
        if (count <= 0 || size < 8) {
            throw new IllegalArgumentException(
                    "synthetic images need count > 0 and size >= 8, got count " + count + ", size " + size);
        }
        this.count = count;
        this.size = size;
        this.seed = seed;
        this.augmentation = new Augmentation(size, false, flip, 1.0, 1.0);
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public ImageArray get(int index, SplittableRandom random) {
        return new ImageArray(3, size, size, ImageTensors.pixels(augmentation.apply(render(index), random), 3));
    }

    @Override
    public String describe(int index) {
        return "synthetic #" + index + " (seed " + seed + ")";
    }

    /** The side in pixels. */
    public int imageSize() {
        return size;
    }

    @Override
    public List<String> classNames() {
        return CLASS_NAMES;
    }

    /** The class of image {@code index}: its texture, an index into {@link #CLASS_NAMES}. */
    @Override
    public int label(int index) {
        SplittableRandom rng = random(index);
        background(rng);
        return rng.nextInt(CLASS_NAMES.size());
    }

    /**
     * Image {@code index} as an {@link ImageSource} sample (key {@code synthetic-NNNNNN}, its label as {@code .cls}).
     */
    public ImageSource asSource() {
        return new SyntheticImageSource(this);
    }

    /** Draws image {@code index}. */
    public BufferedImage render(int index) {
        SplittableRandom rng = random(index);
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setPaint(background(rng));
        g.fillRect(0, 0, size, size);
        drawTexture(g, rng.nextInt(CLASS_NAMES.size()), rng);
        int shapes = 1 + rng.nextInt(4);
        for (int s = 0; s < shapes; s++) {
            drawShape(g, rng);
        }
        g.dispose();
        return image;
    }

    private SplittableRandom random(int index) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
    }

    /** The background gradient: the first draws of an image's generator, before its texture kind. */
    private GradientPaint background(SplittableRandom rng) {
        return new GradientPaint(0, 0, color(rng), (float) (size * rng.nextDouble()), size, color(rng));
    }

    private void drawTexture(Graphics2D g, int kind, SplittableRandom rng) {
        if (kind == 0) {
            return;
        }
        int period = Math.max(4, size / 8) + rng.nextInt(Math.max(1, size / 8));
        Color ink = new Color(color(rng).getRGB() & 0xFFFFFF | 0x60000000, true);
        g.setColor(ink);
        for (int p = 0; p < size; p += 2 * period) {
            if (kind == 1) {
                g.fillRect(p, 0, period, size);
            } else {
                for (int q = (p / (2 * period)) % 2 * period; q < size; q += 2 * period) {
                    g.fillRect(p, q, period, period);
                }
            }
        }
    }

    private void drawShape(Graphics2D g, SplittableRandom rng) {
        g.setColor(color(rng));
        double x = rng.nextDouble() * size;
        double y = rng.nextDouble() * size;
        double r = size * (0.08 + 0.3 * rng.nextDouble());
        switch (rng.nextInt(4)) {
            case 0 -> g.fill(new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r));
            case 1 -> g.fill(new Rectangle2D.Double(x - r, y - r * 0.6, 2 * r, 1.2 * r));
            case 2 ->
                g.fill(new Polygon(
                        new int[] {(int) x, (int) (x + r), (int) (x - r)},
                        new int[] {(int) (y - r), (int) (y + r), (int) (y + r)},
                        3));
            default -> {
                g.setStroke(new BasicStroke((float) Math.max(2, size / 16.0 + rng.nextDouble() * size / 16.0)));
                g.drawLine((int) x, (int) y, (int) (rng.nextDouble() * size), (int) (rng.nextDouble() * size));
            }
        }
    }

    private static Color color(SplittableRandom rng) {
        return new Color(rng.nextInt(256), rng.nextInt(256), rng.nextInt(256));
    }
}
