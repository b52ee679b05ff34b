package dev.vae4j.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.testing.ResidentMemory;
import dev.vae4j.train.StepReport;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 600 stage-2 steps of the tiny DiT with class dropout and EMA in one process, RSS sampled (after a GC) every 100
 * steps: after the warm-up (step 200) resident memory, as the median of the last three samples, grows by less than 5%
 * (allocator and JIT noise under load; a step that kept its activations would add hundreds of MB).
 */
class DenoiserTrainingMemoryTest {
    @Test
    void residentMemoryStaysFlatOver600Steps(@TempDir Path runDir) {
        Assumptions.assumeTrue(ResidentMemory.available(), "RSS is read from /proc");
        List<Double> samples = new ArrayList<>();
        TrainingListener sampler = new TrainingListener() {
            @Override
            public void onStep(TrainingRun run, StepReport report) {
                if (report.step() % 100 == 0) {
                    System.gc();
                    samples.add(ResidentMemory.mib());
                }
            }
        };
        DenoiserTrainer.builder(
                        DenoiserTrainerTest.dit(3),
                        DenoiserTrainerTest.ddpm(),
                        DenoiserTrainerTest.config(600, 2, 0).toBuilder()
                                .logEvery(10)
                                .build(),
                        runDir)
                .classDropout(0.1)
                .build()
                .train(FixedLatents.random(16, 4, 8, 3, 9), List.of(sampler));
        double afterWarmUp = samples.get(1);
        List<Double> tail = new ArrayList<>(samples.subList(samples.size() - 3, samples.size()));
        tail.sort(Double::compare);
        double growth = (tail.get(1) - afterWarmUp) / afterWarmUp;
        System.out.printf("memory: RSS every 100 steps %s MiB; growth after step 200: %.2f%%%n", samples, 100 * growth);
        assertTrue(growth < 0.05, "RSS grew by " + 100 * growth + "% after warm-up: " + samples);
    }
}
