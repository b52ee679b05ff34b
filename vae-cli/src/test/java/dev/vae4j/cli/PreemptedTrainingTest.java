package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preemption of {@code vae train} (the {@code micro} recipe, 48 steps, PatchGAN from step 40): a child JVM sent SIGTERM
 * mid-run finishes its step, writes a checkpoint of it, names it and exits with 143; resumed in another child and sent
 * SIGINT it does the same with 130; resumed to the end it logs every step's losses exactly as an uninterrupted run does
 * and ends with byte-identical weights (tolerance 0: the same CPU kernels in every JVM).
 */
class PreemptedTrainingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int STEPS = 48;

    @Test
    void signalledRunsSaveTheirStepAndResumeToTheUninterruptedWeights(@TempDir Path dir) throws Exception {
        Path straight = dir.resolve("straight");
        CliTestSupport.run(train(straight)).assertOk();

        Path run = dir.resolve("run");
        ChildVae first = ChildVae.start(dir.resolve("first.log"), Map.of(), train(run));
        first.awaitThat(() -> loggedSteps(run) >= 3, "three logged steps");
        first.sigterm();
        assertEquals(143, first.exitCode(), first.output());
        long stoppedAt = assertStoppedWithCheckpoint(run, first.output(), "SIGTERM");
        report("SIGTERM", first, stoppedAt);

        CliTestSupport.run("train", "--resume", run.toString(), "--steps", "" + STEPS)
                .assertOk();
        List<JsonNode> expected = TrainCommandTest.metrics(straight, "train");
        List<JsonNode> actual = TrainCommandTest.metrics(run, "train");
        assertEquals(STEPS, actual.size(), "every step logged once");
        for (int i = 0; i < STEPS; i++) {
            assertEquals(withoutTime(expected.get(i)), withoutTime(actual.get(i)), "step " + (i + 1));
        }
        for (String weights :
                List.of("model/diffusion_pytorch_model.safetensors", "model-ema/diffusion_pytorch_model.safetensors")) {
            assertEquals(-1L, Files.mismatch(straight.resolve(weights), run.resolve(weights)), weights);
        }
    }

    private static JsonNode withoutTime(JsonNode line) {
        ObjectNode copy = line.deepCopy();
        copy.remove("seconds");
        return copy;
    }

    private static String[] train(Path out) {
        return new String[] {
            "train", "--recipe", TrainCommandTest.microRecipe(), "--out", out.toString(), "--steps", "" + STEPS
        };
    }

    /**
     * Asserts the message of a stopped run and that its checkpoint holds the step it reached (and that no step was
     * logged after it); returns that step.
     */
    private static long assertStoppedWithCheckpoint(Path run, String output, String signal) throws IOException {
        long step = loggedSteps(run);
        assertTrue(step < STEPS, "stopped before the end: " + output);
        Path checkpoint = run.resolve("checkpoints").resolve(String.format(Locale.ROOT, "step-%08d", step));
        assertTrue(output.contains(signal + " received: stopping after the current step"), output);
        assertTrue(
                output.contains("stopped by " + signal + " after step " + step + " of " + STEPS + "; checkpoint: "
                        + checkpoint),
                output);
        assertTrue(output.contains("continue with: vae train --resume " + run), output);
        assertEquals(
                step,
                JSON.readTree(checkpoint.resolve("state.json").toFile())
                        .get("step")
                        .asLong());
        assertTrue(!Files.exists(run.resolve("model")), "no final model for a stopped run");
        return step;
    }

    private static void report(String signal, ChildVae child, long step) {
        System.out.printf(
                Locale.ROOT,
                "%s -> exit after step %d in %.2f s after the signal%n",
                signal,
                step,
                child.secondsToExit());
    }

    /** Steps logged in the run's metrics.jsonl so far (the recipe logs every step). */
    static long loggedSteps(Path run) {
        Path metrics = run.resolve("metrics.jsonl");
        if (!Files.exists(metrics)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(metrics)) {
            return lines.filter(line -> line.contains("\"kind\":\"train\"")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
