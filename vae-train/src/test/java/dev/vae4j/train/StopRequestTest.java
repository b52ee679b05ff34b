package dev.vae4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.testing.TestJvm;
import dev.vae4j.train.data.SyntheticImages;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.WorkerLauncher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StopRequest}: the first reason wins; alone, the agreement is the local request; the training loop ends after
 * the step in progress with its checkpoint; between two Gloo processes, a request made on rank 1 only stops both ranks
 * at the same iteration (and the cost of one agreement is printed).
 */
class StopRequestTest {
    @Test
    void theFirstReasonIsKept() {
        StopRequest stop = new StopRequest();
        assertFalse(stop.requested());
        assertNull(stop.reason());
        assertFalse(stop.agreed(Collectives.single()));
        assertTrue(stop.request("SIGTERM"));
        assertFalse(stop.request("SIGINT"));
        assertTrue(stop.requested());
        assertEquals("SIGTERM", stop.reason());
        assertTrue(stop.agreed(Collectives.single()));
        IllegalArgumentException blank = assertThrows(IllegalArgumentException.class, () -> stop.request(" "));
        assertTrue(blank.getMessage().contains("needs a reason"), blank.getMessage());
    }

    /**
     * A request made between steps 3 and 4 (by a listener, as a signal handler would from its thread) ends the loop
     * after step 4, the step in progress: that step is checkpointed although no checkpoint is scheduled, the listeners
     * get onStop with it instead of onEnd, and the counters stop there.
     */
    @Test
    void theLoopEndsAfterTheStepInProgressWithItsCheckpoint(@TempDir Path runDir) {
        StopRequest stop = new StopRequest();
        List<String> events = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onStep(TrainingRun run, StepReport report) {
                events.add("step " + report.step());
                if (report.step() == 3) {
                    stop.request("test");
                }
            }

            @Override
            public void onCheckpoint(TrainingRun run, Path checkpoint) {
                events.add("checkpoint " + checkpoint.getFileName());
            }

            @Override
            public void onStop(TrainingRun run, Path checkpoint) {
                events.add("stop " + checkpoint.getFileName());
            }

            @Override
            public void onEnd(TrainingRun run) {
                events.add("end");
            }
        };
        org.bytedeco.pytorch.global.torch.manual_seed(11);
        AutoencoderKL model = new AutoencoderKL(TrainerTest.modelConfig());
        TrainConfig config = TrainerTest.config(10, 100, 0);
        TrainingState state = Trainer.builder(model, new TestObjectives.MseKl(config.discStart()), config, runDir)
                .stopOn(stop)
                .build()
                .train(new SyntheticImages(16, 16, 1, true), List.of(listener));
        assertEquals(4, state.step());
        assertEquals(
                List.of("step 1", "step 2", "step 3", "step 4", "checkpoint step-00000004", "stop step-00000004"),
                events);
        assertEquals(
                runDir.resolve("checkpoints/step-00000004"),
                CheckpointStore.latest(runDir).orElseThrow());
    }

    @Test
    void aRequestOnOneRankStopsEveryRankAtTheSameIteration() throws InterruptedException {
        StringBuffer output = new StringBuffer();
        WorkerLauncher launcher = new WorkerLauncher(2, 1, 0, "127.0.0.1", TestJvm.freePort());
        int exit = launcher.start(
                        WorkerLauncher.javaCommand(StopAgreementProbe.class.getName(), List.of()),
                        Map.of(),
                        line -> output.append(line).append('\n'))
                .await();
        assertEquals(0, exit, output.toString());
        for (int rank = 0; rank < 2; rank++) {
            assertTrue(
                    output.toString()
                            .contains("[rank " + rank + "] RESULT stopped at " + StopAgreementProbe.REQUESTED_AT),
                    output.toString());
        }
        output.toString().lines().filter(line -> line.contains("agreement")).forEach(System.out::println);
    }
}
