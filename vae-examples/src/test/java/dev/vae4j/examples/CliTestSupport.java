package dev.vae4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.tensor.TensorScope;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine;

/** Tiny models, tiny images and an in-process runner for the CLI tests. */
final class CliTestSupport {
    /** Scaling factor of the tiny model (not 1, so normalisation is visible). */
    static final double SCALE = 0.5;
    /** Shift factor of the tiny model (not 0, so the shift is visible). */
    static final double SHIFT = 0.25;

    private CliTestSupport() {
    }

    /** The outcome of one in-process run. */
    record Result(int exitCode, String out, String err) {
        /** Asserts a failure reported as exactly one line {@code vae: error: ...} containing every fragment. */
        void assertOneLineError(String... fragments) {
            assertEquals(1, exitCode, "exit code; out=" + out + " err=" + err);
            String text = err.strip();
            assertEquals(1, text.lines().count(), "expected one line on stderr, got: " + err);
            assertTrue(text.startsWith("vae: error: "), err);
            for (String fragment : fragments) {
                assertTrue(text.contains(fragment), "'" + fragment + "' missing from: " + err);
            }
        }

        /** Asserts a usage error (exit 2) whose message contains {@code fragment}. */
        void assertUsageError(String fragment) {
            assertEquals(2, exitCode, "exit code; out=" + out + " err=" + err);
            assertTrue(err.contains(fragment), "'" + fragment + "' missing from: " + err);
        }

        /** Asserts success. */
        void assertOk() {
            assertEquals(0, exitCode, "exit code; out=" + out + " err=" + err);
        }
    }

    /** Runs {@code vae args...} in-process, capturing what the command prints. */
    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = VaeCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** A tiny config: 2 levels [8, 16] (downsampling factor 2), 1 layer, 4 groups, 4 latent channels. */
    static AutoencoderKLConfig tinyConfig() {
        try {
            ObjectNode json = (ObjectNode) new ObjectMapper().readTree("""
                    {"in_channels": 3, "out_channels": 3, "block_out_channels": [8, 16],
                     "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
                     "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"],
                     "layers_per_block": 1, "norm_num_groups": 4, "latent_channels": 4, "sample_size": 32,
                     "scaling_factor": %s, "shift_factor": %s}""".formatted(SCALE, SHIFT));
            return AutoencoderKLConfig.fromJson(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Saves a randomly initialised tiny model as a diffusers folder {@code dir}. */
    static Path saveTinyModel(Path dir) {
        try (TensorScope scope = new TensorScope()) {
            new AutoencoderKL(tinyConfig()).save(dir);
        }
        return dir;
    }

    /** Writes a {@code width} x {@code height} RGB PNG of seeded random colours. */
    static Path writeImage(Path file, int width, int height, long seed) {
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

    /** A tensor's shape. */
    static long[] shape(Tensor t) {
        return t.sizes().vec().get();
    }

    /** A tensor's values as float32. */
    static float[] values(Tensor t) {
        Tensor c = t.to(org.bytedeco.pytorch.global.torch.ScalarType.Float).contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out, 0, out.length);
        return out;
    }

    /** Reads a PNG's size as {@code {width, height}}. */
    static int[] imageSize(Path file) {
        try {
            BufferedImage image = ImageIO.read(file.toFile());
            return new int[] {image.getWidth(), image.getHeight()};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
