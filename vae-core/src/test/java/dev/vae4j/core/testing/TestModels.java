package dev.vae4j.core.testing;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.tensor.TensorScope;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * The small models and images the tests of every module share: an {@link AutoencoderKL} of two levels [8, 16]
 * (downsampling factor 2), one layer per block, 4 GroupNorm groups, 4 latent channels, mid-block attention and quant
 * convs, 32 px samples, scaling 0.5 and shift 0.25 ({@link #SCALE}, {@link #SHIFT}); callers adjust it through the
 * returned builder.
 */
public final class TestModels {
    /** The tiny config's scaling factor. */
    public static final double SCALE = 0.5;
    /** The tiny config's shift factor. */
    public static final double SHIFT = 0.25;

    private TestModels() {}

    /** A builder holding the shared tiny config. */
    public static AutoencoderKLConfig.Builder autoencoderKL() {
        return AutoencoderKLConfig.builder(List.of(8, 16), 4)
                .layersPerBlock(1)
                .normNumGroups(4)
                .sampleSize(32)
                .scaling(SCALE, SHIFT)
                .forceUpcast(true)
                .quantConvs(true)
                .midBlockAddAttention(true);
    }

    /** Saves a randomly initialised model of the shared tiny config as a diffusers folder {@code dir}. */
    public static Path saveAutoencoderKL(Path dir) {
        return saveAutoencoderKL(dir, autoencoderKL().build());
    }

    /** Saves a randomly initialised model of {@code config} as a diffusers folder {@code dir}. */
    public static Path saveAutoencoderKL(Path dir, AutoencoderKLConfig config) {
        try (TensorScope scope = new TensorScope()) {
            new AutoencoderKL(config).save(dir);
        }
        return dir;
    }

    /** Writes a {@code width} x {@code height} RGB PNG (or JPEG, by extension) of seeded random colours. */
    public static Path writeImage(Path file, int width, int height, long seed) {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        try {
            String format = file.getFileName().toString().toLowerCase().endsWith(".jpg") ? "jpg" : "png";
            if (!ImageIO.write(image, format, file.toFile())) {
                throw new IllegalStateException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
