package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.eval.EvaluationSet;
import dev.vae4j.eval.PeriodicEvaluation;
import dev.vae4j.eval.ReconstructionEvaluator;
import dev.vae4j.eval.fid.FidInceptionV3;
import dev.vae4j.recipes.Recipe;
import dev.vae4j.train.TrainingRun;
import dev.vae4j.train.TrainingState;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.listeners.MetricsLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recipe's {@code evaluation} section: {@code vae train} evaluates a validation folder every N steps with the
 * engine of {@code vae evaluate}, logs the numbers and writes {@code eval/eval-NNNNNNNN.json}; the rFID reference
 * statistics are computed once and cached.
 */
class PeriodicEvaluationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path images(Path dir, int count) {
        try {
            Path data = Files.createDirectories(dir.resolve("val"));
            for (int i = 0; i < count; i++) {
                CliTestSupport.writeImage(data.resolve("val" + i + ".png"), 24 + 2 * i, 20, 100 + i);
            }
            return data;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The micro test recipe with an {@code evaluation} section of these YAML lines appended. */
    private static Path recipe(Path dir, String... evaluationLines) throws IOException {
        StringBuilder yaml = new StringBuilder(Files.readString(Path.of(TrainCommandTest.microRecipe())));
        yaml.append("\nevaluation:\n");
        for (String line : evaluationLines) {
            yaml.append("  ").append(line).append('\n');
        }
        return Files.writeString(dir.resolve("recipe-" + evaluationLines.length + ".yaml"), yaml);
    }

    @Test
    void trainingEvaluatesEveryNStepsAsVaeEvaluateDoes(@TempDir Path dir) throws IOException {
        Path data = images(dir, 4);
        Path inception = dir.resolve("inception.safetensors");
        try (TensorScope scope = new TensorScope()) {
            StateDict.save(new FidInceptionV3(), inception);
        }
        Path run = dir.resolve("run");
        Path recipe = recipe(dir, "every: 2", "data: " + data, "limit: 3", "batch_size: 2", "inception: " + inception);
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        recipe.toString(),
                        "--out",
                        run.toString(),
                        "--steps",
                        "4",
                        "--threads",
                        "1")
                .assertOk();

        assertEquals(
                Recipe.load(recipe.toString()).evaluation(),
                Recipe.load(run.resolve("recipe.yaml").toString()).evaluation(),
                "the run's resolved recipe keeps the section for --resume");
        List<JsonNode> records = TrainCommandTest.metrics(run, "evaluation");
        assertEquals(
                List.of(2L, 4L),
                records.stream().map(r -> r.get("step").asLong()).toList(),
                "every 2 steps; the last step is not evaluated twice");
        for (JsonNode r : records) {
            assertTrue(r.has("psnr") && r.has("ssim") && r.has("rfid") && !r.has("lpips"), r.toString());
        }
        Path cache = run.resolve("eval").resolve(PeriodicEvaluation.REFERENCE_STATS);
        assertTrue(Files.exists(cache), "reference statistics cached");
        JsonNode first = JSON.readTree(run.resolve("eval/eval-00000002.json").toFile());
        JsonNode last = JSON.readTree(run.resolve("eval/eval-00000004.json").toFile());
        assertEquals(3, last.get("images").asInt());
        assertEquals(4, last.get("step").asInt());
        assertFalse(first.get("metrics").get("rfid").get("definition").asText().contains("reference statistics"));
        assertTrue(
                last.get("metrics").get("rfid").get("definition").asText().contains("from " + cache),
                "the second evaluation reads the cached reference statistics");
        assertEquals(
                records.get(1).get("psnr").asDouble(),
                last.get("metrics").get("psnr").get("mean").asDouble());

        // The exported model is the one evaluated at the last step: vae evaluate gives the same numbers.
        Path out = dir.resolve("cli-eval");
        CliTestSupport.run(
                        "evaluate",
                        "--model",
                        run.resolve("model").toString(),
                        "--data",
                        data.toString(),
                        "--size",
                        "16",
                        "--limit",
                        "3",
                        "--batch-size",
                        "2",
                        "--threads",
                        "1",
                        "--inception",
                        inception.toString(),
                        "--reference-stats",
                        cache.toString(),
                        "--output",
                        out.toString())
                .assertOk();
        JsonNode cli = JSON.readTree(out.resolve("eval.json").toFile()).get("metrics");
        for (String metric : List.of("psnr", "ssim")) {
            assertEquals(
                    last.get("metrics").get(metric).get("mean").asDouble(),
                    cli.get(metric).get("mean").asDouble(),
                    1e-6,
                    metric);
        }
        double rfid = last.get("metrics").get("rfid").get("value").asDouble();
        assertEquals(rfid, cli.get("rfid").get("value").asDouble(), Math.max(1e-9, 1e-6 * Math.abs(rfid)), "rfid");
    }

    @Test
    void anEvaluationWritesItsRecordAndRestoresTrainingMode(@TempDir Path dir) {
        try (TensorScope scope = new TensorScope()) {
            AutoencoderKL model = new AutoencoderKL(CliTestSupport.testModelConfig());
            Recipe micro = Recipe.load(TrainCommandTest.microRecipe());
            EvaluationSet set = EvaluationSet.of(images(dir, 2), 16, null);
            ReconstructionEvaluator evaluator =
                    ReconstructionEvaluator.builder().worst(1).build();
            Path runDir = dir.resolve("run");
            MetricsLog log = new MetricsLog(runDir);
            TrainingRun run =
                    new TrainingRun(model, null, null, micro.train(), runDir, new TrainingState(7, 0, 0, 0.0, 0), 0);
            Path written = new PeriodicEvaluation(evaluator, set, 2, 5, log, Collectives.single()).evaluate(run);
            assertEquals(runDir.resolve("eval/eval-00000007.json"), written);
            assertTrue(Files.exists(written) && Files.exists(log.file()));
            assertTrue(model.is_training(), "the model's training mode is restored");
        }
    }

    @Test
    void badEvaluationSectionsNameTheKey(@TempDir Path dir) throws IOException {
        Path data = images(dir, 1);
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        recipe(dir, "every: 2", "data: " + dir.resolve("missing"))
                                .toString(),
                        "--out",
                        dir.resolve("a").toString(),
                        "--steps",
                        "1")
                .assertOneLineError("evaluation.data", "missing");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        recipe(dir, "every: 2", "data: " + data, "size: 17").toString(),
                        "--out",
                        dir.resolve("b").toString(),
                        "--steps",
                        "1")
                .assertOneLineError("evaluation.size 17", "downsampling factor 2");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        recipe(dir, "every: 0", "data: " + data, "size: 16", "limit: 1")
                                .toString(),
                        "--out",
                        dir.resolve("c").toString(),
                        "--steps",
                        "1")
                .assertOneLineError("'every' >= 1");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        recipe(
                                        dir,
                                        "every: 1",
                                        "data: " + data,
                                        "inception: " + dir.resolve("nope.safetensors"),
                                        "size: 16",
                                        "limit: 1")
                                .toString(),
                        "--out",
                        dir.resolve("d").toString(),
                        "--steps",
                        "1")
                .assertOneLineError("nope.safetensors");
    }
}
