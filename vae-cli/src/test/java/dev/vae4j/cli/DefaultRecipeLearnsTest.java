package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main job, {@code vae train} with no recipe (the embedded {@code kl-f4-small} recipe on the built-in
 * synthetic images), shortened to its first 60 steps: the training loss falls and the held-out PSNR rises, so a change
 * that stops the default recipe from learning fails here rather than in a user's three-minute run.
 */
class DefaultRecipeLearnsTest {
    private static final int STEPS = 60;
    /** The recipe's default log interval: each train record holds the mean of 10 steps. */
    private static final int LOG_EVERY = 10;

    @Test
    void theDefaultRunLearnsFromItsFirstSteps(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        CliTestSupport.run("train", "--out", run.toString(), "--steps", Integer.toString(STEPS), "--threads", "2")
                .assertOk();
        List<JsonNode> train = TrainCommandTest.metrics(run, "train");
        assertEquals(STEPS / LOG_EVERY, train.size(), "log intervals of the default " + LOG_EVERY + " steps");
        double first = train.get(0).get("rec").asDouble();
        double last = train.get(train.size() - 1).get("rec").asDouble();
        assertTrue(
                last < 0.8 * first,
                "mean reconstruction loss of the first and last 10 steps: " + first + " -> " + last);
        List<JsonNode> validation = TrainCommandTest.metrics(run, "validation");
        double before = validation.get(0).get("psnr").asDouble();
        double after = validation.get(validation.size() - 1).get("psnr").asDouble();
        assertEquals(STEPS, validation.get(validation.size() - 1).get("step").asLong(), validation.toString());
        assertTrue(after > before + 2.0, "held-out PSNR " + before + " -> " + after);
    }
}
