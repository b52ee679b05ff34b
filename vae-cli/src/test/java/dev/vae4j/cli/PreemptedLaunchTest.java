package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.testing.TestJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preemption of {@code vae launch -- train} with two Gloo workers on the CPU: SIGTERM to the launcher reaches both
 * ranks, which stop after the same step; rank 0 alone writes the one checkpoint of that step and names it; the launcher
 * exits with 143.
 */
class PreemptedLaunchTest {
    private static final Pattern STOPPED = Pattern.compile("\\[rank (\\d)] .*stopped after step (\\d+) on request");

    @Test
    void sigtermToTheLauncherStopsBothRanksAtOneStepWithOneCheckpoint(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        ChildVae launcher = ChildVae.start(
                dir.resolve("launch.log"),
                Map.of(),
                "launch",
                "--nproc-per-node",
                "2",
                "--master-port",
                Integer.toString(TestJvm.freePort()),
                "--",
                "train",
                "--recipe",
                TrainCommandTest.microRecipe(),
                "--out",
                run.toString(),
                "--steps",
                "48",
                "--dist-timeout",
                "60");
        launcher.awaitThat(() -> PreemptedTrainingTest.loggedSteps(run) >= 3, "three logged steps");
        launcher.sigterm();
        assertEquals(143, launcher.exitCode(), launcher.output());
        String output = launcher.output();
        long step = PreemptedTrainingTest.loggedSteps(run);
        System.out.printf(
                Locale.ROOT,
                "launch: SIGTERM -> both ranks stopped after step %d, launcher exit in %.2f s after the signal%n",
                step,
                launcher.secondsToExit());
        assertTrue(output.contains("[launch] SIGTERM received: asking the workers to stop"), output);
        Map<String, Long> stoppedAt = new HashMap<>();
        Matcher matcher = STOPPED.matcher(output);
        while (matcher.find()) {
            stoppedAt.put(matcher.group(1), Long.parseLong(matcher.group(2)));
        }
        assertEquals(Map.of("0", step, "1", step), stoppedAt, output);
        Path checkpoint = run.resolve("checkpoints").resolve(String.format(Locale.ROOT, "step-%08d", step));
        assertTrue(
                output.contains("[rank 0] stopped by SIGTERM after step " + step + " of 48; checkpoint: " + checkpoint),
                output);
        assertEquals(List.of(checkpoint.getFileName().toString()), checkpoints(run));
        // batch 4 on each of the 2 ranks
        assertEquals(
                8 * step,
                new ObjectMapper()
                        .readTree(checkpoint.resolve("state.json").toFile())
                        .get("samples")
                        .asLong());
    }

    private static List<String> checkpoints(Path run) throws IOException {
        try (Stream<Path> folders = Files.list(run.resolve("checkpoints"))) {
            return folders.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
