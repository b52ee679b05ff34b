package dev.vae4j.recipes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vae4j.train.IntervalReport;
import dev.vae4j.train.OptimizerSettings;
import dev.vae4j.train.StepReport;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.TrainingRun;
import dev.vae4j.train.TrainingState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link ConsoleProgress} in a non-interactive log: a plain line every 5 s of the clock and at the last step. */
class ConsoleProgressTest {
    @Test
    void nonInteractiveProgressIsALineEveryFewSeconds() {
        long[] now = {0};
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        ConsoleProgress progress =
                new ConsoleProgress(new PrintStream(buffer, true, StandardCharsets.UTF_8), false, () -> now[0]);
        TrainConfig config = TrainConfig.builder(12, 1, OptimizerSettings.adam(1e-3, 0.9, 0.99))
                .build();
        TrainingRun run = new TrainingRun(null, null, null, config, null, TrainingState.start(), 0);
        progress.onStart(run);
        for (long step = 1; step <= 12; step++) {
            now[0] += 1_000_000_000L; // one second per step
            if (step % 5 == 0 || step == 12) {
                progress.onLog(run, new IntervalReport(step - 4, step, 1e-3, Map.of("rec", 0.5), 0, 5.0, -1));
            }
            progress.onStep(run, new StepReport(step, 1e-3, true, false, false, 1.0));
        }
        progress.onEnd(run);
        String text = buffer.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("\r"), text);
        assertEquals(
                List.of(
                        "train step 5/12 (42%), 0:00:05 elapsed, ETA 0:00:07, rec=0.5000",
                        "train step 10/12 (83%), 0:00:10 elapsed, ETA 0:00:02, rec=0.5000",
                        "train step 12/12 (100%), 0:00:12 elapsed, rec=0.5000"),
                text.lines().toList());
    }
}
