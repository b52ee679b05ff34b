package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.testing.TestModels;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine;

/** Tiny models, tiny images and an in-process runner for the CLI tests. */
final class CliTestSupport {
    /** Scaling factor of the tiny model (not 1, so normalisation is visible). */
    static final double SCALE = TestModels.SCALE;
    /** Shift factor of the tiny model (not 0, so the shift is visible). */
    static final double SHIFT = TestModels.SHIFT;

    private CliTestSupport() {}

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

    /** The shared tiny config ({@link TestModels#autoencoderKL()}). */
    static AutoencoderKLConfig testModelConfig() {
        return TestModels.autoencoderKL().build();
    }

    /** Saves a randomly initialised tiny model as a diffusers folder {@code dir}. */
    static Path saveTestModel(Path dir) {
        return TestModels.saveAutoencoderKL(dir);
    }

    /**
     * Saves the tiny model without a shift factor: what diffusers' {@code DiTPipeline} decodes right, so stage-2 runs
     * encoded by it end with a pipeline folder.
     */
    static Path saveUnshiftedTestModel(Path dir) {
        return TestModels.saveAutoencoderKL(
                dir, TestModels.autoencoderKL().scaling(SCALE, null).build());
    }

    /** Writes a {@code width} x {@code height} RGB PNG of seeded random colours. */
    static Path writeImage(Path file, int width, int height, long seed) {
        return TestModels.writeImage(file, width, height, seed);
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
