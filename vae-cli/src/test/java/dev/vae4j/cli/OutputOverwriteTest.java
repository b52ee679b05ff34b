package dev.vae4j.cli;

import static dev.vae4j.cli.CliTestSupport.run;
import static dev.vae4j.cli.CliTestSupport.writeImage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No command writes over a file it did not create in this run unless {@code --overwrite}: reconstruct, encode, convert
 * and evaluate refuse before loading the model and leave the file as it was (before, each replaced it silently), and
 * write it with {@code --overwrite}; an input is never written over.
 */
class OutputOverwriteTest {
    @TempDir
    static Path dir;

    private static Path model;
    private static Path images;

    @BeforeAll
    static void setUp() throws IOException {
        model = CliTestSupport.saveTestModel(dir.resolve("model"));
        images = Files.createDirectories(dir.resolve("images"));
        writeImage(images.resolve("a.png"), 32, 32, 1);
        writeImage(images.resolve("b.png"), 32, 32, 2);
    }

    /** A file holding {@code text}, to check it is left as it was. */
    private static Path existing(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static void assertUnchanged(Path file, String text) throws IOException {
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), Files.readAllBytes(file), file + " was written over");
    }

    private static String[] withOverwrite(String[] args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = "--overwrite";
        return all;
    }

    @Test
    void reconstructRefusesExistingPngs() throws IOException {
        Path out = dir.resolve("reconstructed");
        Path b = existing(out.resolve("b.png"), "mine");
        String[] args = {"reconstruct", "-m", model.toString(), "-i", images.toString(), "-o", out.toString()};
        run(args).assertOneLineError("1 of the 2 files to write already exist in", "(first: b.png)", "--overwrite");
        assertUnchanged(b, "mine");
        assertFalse(Files.exists(out.resolve("a.png")), "nothing written");
        run(withOverwrite(args)).assertOk();
    }

    @Test
    void encodeRefusesAnExistingOutputFile() throws IOException {
        Path out = existing(dir.resolve("latents.safetensors"), "mine");
        String[] args = {"encode", "-m", model.toString(), "-i", images.toString(), "-o", out.toString()};
        run(args).assertOneLineError("--output " + out + " exists", "--overwrite");
        assertUnchanged(out, "mine");
        run(withOverwrite(args)).assertOk();
        run("encode", "-m", model.toString(), "-i", images.toString(), "-o", dir + "/cache/", "--overwrite")
                .assertUsageError("--overwrite does not apply to a latent cache folder");
    }

    @Test
    void convertRefusesAnExistingOutputAndNeverWritesOverItsInput() throws IOException {
        Path weights = model.resolve("diffusion_pytorch_model.safetensors");
        Path out = existing(dir.resolve("converted.safetensors"), "mine");
        String[] args = {"convert", "--to", "safetensors", "--input", weights.toString(), "--output", out.toString()};
        run(args).assertOneLineError("--output " + out + " exists", "--overwrite");
        assertUnchanged(out, "mine");
        run(withOverwrite(args)).assertOk();
        byte[] before = Files.readAllBytes(weights);
        run(
                        "convert",
                        "--to",
                        "safetensors",
                        "--input",
                        weights.toString(),
                        "--output",
                        weights.toString(),
                        "--overwrite")
                .assertOneLineError("is the input; refusing to overwrite it");
        assertArrayEquals(before, Files.readAllBytes(weights));
        Path folder = dir.resolve("diffusers");
        existing(folder.resolve("config.json"), "{}");
        run("convert", "--input", dir.resolve("converted.safetensors").toString(), "--output", folder.toString())
                .assertOneLineError("1 of the 2 files to write already exist in", "(first: config.json)");
        assertUnchanged(folder.resolve("config.json"), "{}");
    }

    @Test
    void evaluateRefusesAnExistingReport() throws IOException {
        Path out = dir.resolve("eval");
        Path report = existing(out.resolve("eval.json"), "{\"psnr\": 40}");
        String[] args = {
            "evaluate", "-m", model.toString(), "-d", images.toString(), "-o", out.toString(), "--size", "32"
        };
        run(args).assertOneLineError("1 of the 3 files to write already exist in", "(first: eval.json)");
        assertUnchanged(report, "{\"psnr\": 40}");
        run(withOverwrite(args)).assertOk();
    }
}
