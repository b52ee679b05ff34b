package dev.vae4j.diffusion.train;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.TestJvm;
import dev.vae4j.train.dist.WorkerLauncher;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stage-2 training on Gloo between two real processes: two ranks of batch B reach the weights (live and EMA) of one
 * process with batch 2B, with class dropout and gradient accumulation, to 1e-5 (the ranks and the single process differ
 * only in the summation order of the gradient average).
 */
class DataParallelDenoiserTest {
    private static final double TOLERANCE = 1e-5;

    private static String launch(int processes, Path out, int batch, int steps, int accumulation)
            throws InterruptedException {
        StringBuffer lines = new StringBuffer();
        WorkerLauncher launcher = new WorkerLauncher(processes, 1, 0, "127.0.0.1", TestJvm.freePort());
        List<String> command = WorkerLauncher.javaCommand(
                DataParallelDenoiserWorker.class.getName(),
                List.of(
                        out.toString(),
                        Integer.toString(batch),
                        Integer.toString(steps),
                        Integer.toString(accumulation)));
        int exit = launcher.start(command, Map.of(), line -> lines.append(line).append('\n'))
                .await();
        assertEquals(0, exit, lines.toString());
        return lines.toString();
    }

    @Test
    void twoRanksWithBatchBFollowOneProcessWithBatch2B(@TempDir Path dir) throws InterruptedException {
        Path single = dir.resolve("single");
        Path pair = dir.resolve("pair");
        launch(1, single, 4, 4, 2);
        String output = launch(2, pair, 2, 4, 2);
        assertTrue(output.contains("[rank 1] STEP 4"), output);
        for (String file : new String[] {"denoiser.safetensors", "ema.safetensors"}) {
            try (TensorScope scope = new TensorScope();
                    SafetensorsReader e = SafetensorsReader.open(single.resolve(file));
                    SafetensorsReader a = SafetensorsReader.open(pair.resolve(file))) {
                assertEquals(e.names(), a.names());
                double worst = 0;
                for (String name : e.names()) {
                    worst = Math.max(worst, assertClose(file + " " + name, e.load(name), a.load(name), TOLERANCE));
                }
                System.out.printf("two ranks vs one process: %s max|diff| = %.3e (tol %.0e)%n", file, worst, TOLERANCE);
            }
        }
    }
}
