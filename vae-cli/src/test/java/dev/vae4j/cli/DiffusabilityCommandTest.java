package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae diffusability} on two tiny autoencoders and 24 built-in synthetic images of 16 px: both are cached,
 * evaluated and used to train 4 steps of {@code dit-synthetic}, and the table has a line per autoencoder with its PSNR,
 * latent FD and an existing sample grid; only the run on the autoencoder without a shift factor writes a DiTPipeline
 * folder; bad options are one clear error before any work.
 */
class DiffusabilityCommandTest {
    private static String[] options(Path a, Path b, Path work, String steps, String... more) {
        List<String> options = new java.util.ArrayList<>(List.of(
                "diffusability",
                "--vae",
                a.toString(),
                "--vae",
                b.toString(),
                "--data",
                "synthetic:24",
                "--resolution",
                "16",
                "--recipe",
                "dit-synthetic",
                "--steps",
                steps,
                "--samples",
                "2",
                "--sampler-steps",
                "2",
                "--threads",
                "1",
                "--out",
                work.toString()));
        options.addAll(List.of(more));
        return options.toArray(String[]::new);
    }

    @Test
    void twoAutoencodersGetOneTable(@TempDir Path dir) {
        Path a = CliTestSupport.saveUnshiftedTestModel(dir.resolve("a"));
        Path b = CliTestSupport.saveTestModel(dir.resolve("b"));
        Path work = dir.resolve("work");
        CliTestSupport.Result result = CliTestSupport.run(options(a, b, work, "4"));
        result.assertOk();
        List<String> lines = result.out().lines().toList();
        assertEquals(3, lines.size(), result.out());
        assertTrue(lines.get(0).startsWith("autoencoder") && lines.get(0).contains("latent FD"), lines.get(0));
        for (int i = 1; i < 3; i++) {
            String[] fields = lines.get(i).trim().split("\\s+");
            assertEquals(6, fields.length, lines.get(i));
            assertTrue(Double.parseDouble(fields[1]) > 0, lines.get(i));
            assertEquals("-", fields[2]);
            assertTrue(Double.parseDouble(fields[3]) > 0, lines.get(i));
            assertTrue(Files.isRegularFile(Path.of(fields[5])), lines.get(i));
        }
        assertTrue(Files.isRegularFile(dir.resolve("work/0-a/run/pipeline/model_index.json")));
        assertTrue(
                Files.notExists(dir.resolve("work/1-b/run/pipeline")),
                "DiTPipeline would not add b's shift factor back: its run writes no pipeline folder");
        // a finished comparison resumed is only scored again: the same table
        CliTestSupport.Result again = CliTestSupport.run(options(a, b, work, "4", "--resume"));
        again.assertOk();
        assertEquals(result.out(), again.out());
        CliTestSupport.run(options(a, b, work, "4")).assertOneLineError("already exists", "--resume");
        CliTestSupport.run(options(a, b, work, "5", "--resume")).assertOneLineError("its stage-2 recipe differs");
        CliTestSupport.run(options(b, a, work, "4", "--resume")).assertOneLineError("its autoencoders differ");
        CliTestSupport.run(options(a, b, dir.resolve("none"), "4", "--resume"))
                .assertOneLineError("holds no comparison");
    }

    @Test
    void badOptionsAreOneClearError(@TempDir Path dir) {
        Path a = CliTestSupport.saveUnshiftedTestModel(dir.resolve("a"));
        CliTestSupport.run("diffusability", "--vae", a.toString(), "--data", "synthetic:8", "--recipe", "kl-f4-small")
                .assertOneLineError("is not a stage-2 recipe");
        CliTestSupport.run(
                        "diffusability",
                        "--vae",
                        a.toString(),
                        "--data",
                        "synthetic:x",
                        "--recipe",
                        "dit-synthetic",
                        "--out",
                        dir.resolve("w").toString())
                .assertOneLineError("synthetic:COUNT");
        CliTestSupport.run(
                        "diffusability",
                        "--vae",
                        a.toString(),
                        "--data",
                        "synthetic:8",
                        "--recipe",
                        "dit-synthetic",
                        "--out",
                        a.toString())
                .assertOneLineError("already exists");
    }
}
