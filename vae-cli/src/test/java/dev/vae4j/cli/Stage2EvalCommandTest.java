package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae train --recipe dit-synthetic --latents CACHE --eval-every N}: a labelled cache of built-in synthetic
 * images is trained 4 steps with an evaluation every 2 steps; {@code metrics.jsonl} holds a {@code generation} record
 * with the latent FD at steps 2 and 4 and {@code --vae} adds a sample grid per evaluation; the evaluation options are
 * checked before any training.
 */
class Stage2EvalCommandTest {
    private static Path cache(Path dir, Path model, String labels) {
        Path cache = dir.resolve("cache-" + labels);
        List<String> args = new ArrayList<>(List.of(
                "encode", "-m", model.toString(), "-i", "synthetic:12", "-o", cache + "/", "--resolution", "16"));
        if (!labels.equals("none")) {
            args.addAll(List.of("--labels", labels));
        }
        CliTestSupport.run(args.toArray(String[]::new)).assertOk();
        return cache;
    }

    @Test
    void evaluationsAreLoggedWithGrids(@TempDir Path dir) throws IOException {
        Path model = CliTestSupport.saveTestModel(dir.resolve("model"));
        Path cache = cache(dir, model, "synthetic");
        Path run = dir.resolve("run");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        "dit-synthetic",
                        "--latents",
                        cache.toString(),
                        "--vae",
                        model.toString(),
                        "--out",
                        run.toString(),
                        "--steps",
                        "4",
                        "--batch-size",
                        "2",
                        "--eval-every",
                        "2",
                        "--eval-samples",
                        "2",
                        "--eval-sampler-steps",
                        "2",
                        "--threads",
                        "1")
                .assertOk();
        List<String> records = Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .filter(l -> l.contains("\"kind\":\"generation\""))
                .toList();
        assertEquals(2, records.size(), records.toString());
        assertTrue(records.get(0).contains("\"step\":2") && records.get(0).contains("\"latent_fd\":"), records.get(0));
        assertTrue(records.get(1).contains("\"step\":4"), records.get(1));
        assertTrue(Files.isRegularFile(run.resolve("samples/generation-00000004.png")));
    }

    @Test
    void evaluationOptionsAreCheckedBeforeTraining(@TempDir Path dir) {
        Path model = CliTestSupport.saveTestModel(dir.resolve("model"));
        Path unlabelled = cache(dir, model, "none");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        "dit-synthetic",
                        "--latents",
                        unlabelled.toString(),
                        "--out",
                        dir.resolve("a").toString(),
                        "--eval-every",
                        "2")
                .assertOneLineError("has no labels");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        "dit-synthetic",
                        "--latents",
                        unlabelled.toString(),
                        "--out",
                        dir.resolve("b").toString(),
                        "--eval-every",
                        "2",
                        "--inception",
                        dir.resolve("inception.safetensors").toString())
                .assertOneLineError("give --vae");
        CliTestSupport.run("train", "--recipe", "kl-f4-small", "--eval-every", "2")
                .assertOneLineError("evaluate stage-2 recipes");
        assertTrue(!Files.exists(dir.resolve("a")) && !Files.exists(dir.resolve("b")));
    }
}
