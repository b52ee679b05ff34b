package dev.vae4j.cli;

import static dev.vae4j.cli.CliTestSupport.run;
import static dev.vae4j.cli.CliTestSupport.saveTestModel;
import static dev.vae4j.cli.CliTestSupport.writeImage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The top-level command: help, usage errors, and one-line error reporting for bad inputs. */
class VaeCliTest {
    @TempDir
    static Path shared;

    static Path model;

    @TempDir
    Path dir;

    @BeforeAll
    static void createModel() {
        model = saveTestModel(shared.resolve("model"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "inspect", "encode", "decode", "reconstruct"})
    void helpOfEveryCommandExitsZero(String command) {
        CliTestSupport.Result result = command.isEmpty() ? run("--help") : run(command, "--help");
        result.assertOk();
        assertTrue(result.out().startsWith("Usage: vae"), result.out());
        assertEquals("", result.err());
    }

    @Test
    void helpSubcommandAndVersionExitZero() {
        CliTestSupport.Result help = run("help", "encode");
        help.assertOk();
        assertTrue(help.out().contains("--batch-size"), help.out());
        CliTestSupport.Result version = run("--version");
        version.assertOk();
        assertTrue(version.out().startsWith("vae4j "), version.out());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run().exitCode());
        run("--exif-orientation", "auto", "recipes")
                .assertUsageError("--exif-orientation: EXIF orientation must be 'ignore' or 'apply', got 'auto'");
        assertEquals(2, run("nosuchcommand").exitCode());
        assertEquals(
                2,
                run("encode", "--input", "x.png", "--output", "y.safetensors").exitCode());
        assertEquals(2, run("inspect", "--preset", "sd", "--model", "m").exitCode());
        assertEquals(2, run("inspect", "--preset", "nosuchpreset").exitCode());
        assertEquals(
                2,
                run(
                                "encode",
                                "--model",
                                model.toString(),
                                "--input",
                                "x.png",
                                "--output",
                                "y.safetensors",
                                "--batch-size",
                                "0")
                        .exitCode());
        assertEquals(
                2,
                run("encode", "--model", model.toString(), "--input", "x.png", "--output", "y.bin")
                        .exitCode());
        assertEquals(
                2,
                run(
                                "encode",
                                "--model",
                                model.toString(),
                                "--input",
                                "x.png",
                                "--output",
                                "y.safetensors",
                                "--sample",
                                "--mean")
                        .exitCode());
    }

    @Test
    void missingInputIsOneLineError() {
        Path missing = dir.resolve("no-such-image.png");
        run(
                        "encode",
                        "--model",
                        model.toString(),
                        "--input",
                        missing.toString(),
                        "--output",
                        dir.resolve("out.safetensors").toString())
                .assertOneLineError(missing.toString());
        run(
                        "reconstruct",
                        "--model",
                        model.toString(),
                        "--input",
                        missing.toString(),
                        "--output",
                        dir.resolve("out").toString())
                .assertOneLineError(missing.toString());
        Path missingLatents = dir.resolve("no-such.safetensors");
        run(
                        "decode",
                        "--model",
                        model.toString(),
                        "--input",
                        missingLatents.toString(),
                        "--output",
                        dir.resolve("out").toString())
                .assertOneLineError(missingLatents.toString());
    }

    @Test
    void missingModelIsOneLineError() {
        Path image = writeImage(dir.resolve("a.png"), 16, 16, 1);
        Path noModel = dir.resolve("no-model");
        run(
                        "encode",
                        "--model",
                        noModel.toString(),
                        "--input",
                        image.toString(),
                        "--output",
                        dir.resolve("out.safetensors").toString())
                .assertOneLineError(noModel.toString());
        run("inspect", "--model", noModel.toString()).assertOneLineError(noModel.toString());
    }

    @Test
    void corruptPngIsOneLineErrorNamingTheFile() throws IOException {
        Path images = Files.createDirectory(dir.resolve("images"));
        writeImage(images.resolve("a.png"), 16, 16, 1);
        Path corrupt = images.resolve("b.png");
        byte[] bytes = Files.readAllBytes(writeImage(corrupt, 16, 16, 2));
        Files.write(corrupt, Arrays.copyOf(bytes, 40));
        run(
                        "encode",
                        "--model",
                        model.toString(),
                        "--input",
                        images.toString(),
                        "--output",
                        dir.resolve("out.safetensors").toString())
                .assertOneLineError(corrupt.toString());
        Path text = images.resolve("c.png");
        Files.delete(corrupt);
        Files.writeString(text, "not an image");
        run(
                        "reconstruct",
                        "--model",
                        model.toString(),
                        "--input",
                        images.toString(),
                        "--output",
                        dir.resolve("out").toString())
                .assertOneLineError(text.toString());
        assertFalse(Files.exists(dir.resolve("out.safetensors")));
    }

    @Test
    void truncatedSafetensorsIsOneLineError() throws IOException {
        Path latents = dir.resolve("latents.safetensors");
        try (TensorScope scope = new TensorScope()) {
            SafetensorsWriter.write(latents, Map.of("latents", torch.zeros(2, 4, 8, 8)), Map.of());
        }
        byte[] bytes = Files.readAllBytes(latents);
        Files.write(latents, Arrays.copyOf(bytes, bytes.length - 100));
        run(
                        "decode",
                        "--model",
                        model.toString(),
                        "--input",
                        latents.toString(),
                        "--output",
                        dir.resolve("out").toString())
                .assertOneLineError(latents.toString());
        // a truncated weights file is reported the same way
        Path brokenModel = saveTestModel(dir.resolve("broken"));
        Path weights = brokenModel.resolve("diffusion_pytorch_model.safetensors");
        byte[] w = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(w, w.length / 2));
        run("inspect", "--model", brokenModel.toString()).assertOneLineError(weights.toString());
    }

    @Test
    void safetensorsWithoutTheTensorIsOneLineError() {
        Path file = dir.resolve("other.safetensors");
        try (TensorScope scope = new TensorScope()) {
            SafetensorsWriter.write(file, Map.of("something", torch.zeros(1, 4, 8, 8)), Map.of());
        }
        run(
                        "decode",
                        "--model",
                        model.toString(),
                        "--input",
                        file.toString(),
                        "--output",
                        dir.resolve("out").toString())
                .assertOneLineError(file.toString(), "'latents'", "something");
        run(
                        "encode",
                        "--model",
                        model.toString(),
                        "--input",
                        file.toString(),
                        "--output",
                        dir.resolve("out.safetensors").toString())
                .assertOneLineError(file.toString(), "'images'");
    }

    @Test
    void imageSizeNotDivisibleByTheFactorIsOneLineError() {
        Path odd = writeImage(dir.resolve("odd.png"), 15, 16, 3);
        run(
                        "encode",
                        "--model",
                        model.toString(),
                        "--input",
                        odd.toString(),
                        "--output",
                        dir.resolve("out.safetensors").toString())
                .assertOneLineError(odd.toString(), "15x16", "multiples of 2");
        run(
                        "reconstruct",
                        "--model",
                        model.toString(),
                        "--input",
                        odd.toString(),
                        "--output",
                        dir.resolve("out.png").toString())
                .assertOneLineError(odd.toString(), "multiples of 2");
    }

    @Test
    void mixedSizesNameTheFirstMismatchingFile() throws IOException {
        Path images = Files.createDirectory(dir.resolve("mixed"));
        writeImage(images.resolve("a.png"), 16, 16, 1);
        writeImage(images.resolve("b.png"), 16, 16, 2);
        Path other = writeImage(images.resolve("c.png"), 32, 24, 3);
        writeImage(images.resolve("d.png"), 8, 8, 4);
        run(
                        "encode",
                        "--model",
                        model.toString(),
                        "--input",
                        images.toString(),
                        "--output",
                        dir.resolve("out.safetensors").toString())
                .assertOneLineError(other.toString(), "32x24", "16x16");
    }

    @Test
    void verbosePrintsTheStackTrace() {
        Path missing = dir.resolve("missing.png");
        CliTestSupport.Result result = run(
                "--verbose",
                "encode",
                "--model",
                model.toString(),
                "--input",
                missing.toString(),
                "--output",
                dir.resolve("o.safetensors").toString());
        assertEquals(1, result.exitCode());
        assertTrue(result.err().startsWith("vae: error: "), result.err());
        assertTrue(result.err().contains("\tat dev.vae4j."), result.err());
        CliTestSupport.Result after = run(
                "encode",
                "--model",
                model.toString(),
                "--input",
                missing.toString(),
                "--output",
                dir.resolve("o.safetensors").toString(),
                "--verbose");
        assertTrue(after.err().contains("\tat dev.vae4j."), after.err());
    }

    @Test
    void refusesToOverwriteTheInput() {
        Path image = writeImage(dir.resolve("same.png"), 16, 16, 5);
        run("reconstruct", "--model", model.toString(), "--input", image.toString(), "--output", image.toString())
                .assertOneLineError(image.toString());
        run("reconstruct", "--model", model.toString(), "--input", dir.toString(), "--output", dir.toString())
                .assertOneLineError("same.png");
    }
}
