package dev.vae4j.train;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.model.LatentDistribution;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.TestModels;
import dev.vae4j.train.data.SyntheticImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training loop: learning, GAN start, exact resume, crash-safe checkpoints, non-finite handling. */
class TrainerTest {
    private static final SyntheticImages DATA = new SyntheticImages(16, 16, 1, true);

    static AutoencoderKLConfig modelConfig() {
        return TestModels.autoencoderKL()
                .sampleSize(16)
                .scaling(1.0, null)
                .midBlockAddAttention(false)
                .build();
    }

    static TrainConfig config(long steps, long discStart, long checkpointEvery) {
        return TrainConfig.builder(steps, 4, OptimizerSettings.adam(2e-3, 0.5, 0.9))
                .seed(42)
                .discriminator(OptimizerSettings.adam(1e-3, 0.5, 0.9))
                .schedule(LearningRateSchedule.constant(2))
                .gradClip(1.0)
                .ema(0.9, 0)
                .discStart(discStart)
                .maxNonFinite(3)
                .checkpoints(checkpointEvery, 5)
                .logEvery(1)
                .build();
    }

    /** Records every step report and every log interval's terms. */
    static final class Recorder implements TrainingListener {
        final List<StepReport> reports = new ArrayList<>();
        final List<IntervalReport> logs = new ArrayList<>();

        @Override
        public void onStep(TrainingRun run, StepReport report) {
            reports.add(report);
        }

        @Override
        public void onLog(TrainingRun run, IntervalReport report) {
            logs.add(report);
        }
    }

    private static Trainer trainer(AutoencoderKL model, TrainConfig config, Path runDir) {
        org.bytedeco.pytorch.global.torch.manual_seed(7);
        TestObjectives.PatchConv disc = new TestObjectives.PatchConv();
        return Trainer.builder(model, new TestObjectives.MseKl(config.discStart()), config, runDir)
                .adversary(disc, new TestObjectives.Hinge())
                .build();
    }

    @Test
    void reconstructionLossFallsAndTheDiscriminatorStartsOnTime(@TempDir Path runDir) {
        Recorder recorder = new Recorder();
        org.bytedeco.pytorch.global.torch.manual_seed(11);
        trainer(new AutoencoderKL(modelConfig()), config(30, 20, 0), runDir).train(DATA, List.of(recorder));
        List<StepReport> reports = recorder.reports;
        assertEquals(30, reports.size());
        List<IntervalReport> logs = recorder.logs;
        assertEquals(30, logs.size(), "one log interval per step");
        double early = logs.subList(0, 5).stream()
                .mapToDouble(r -> r.terms().get("rec"))
                .average()
                .orElseThrow();
        double late = logs.subList(25, 30).stream()
                .mapToDouble(r -> r.terms().get("rec"))
                .average()
                .orElseThrow();
        System.out.printf("trainer: reconstruction MSE %.4f -> %.4f%n", early, late);
        assertTrue(late < 0.8 * early, "reconstruction MSE did not fall: " + early + " -> " + late);
        for (int i = 0; i < reports.size(); i++) {
            StepReport report = reports.get(i);
            boolean ganOn = report.step() > 20;
            assertEquals(ganOn, report.discriminatorUpdated(), "step " + report.step());
            assertEquals(report.step(), logs.get(i).lastStep());
            assertEquals(ganOn, logs.get(i).terms().containsKey("disc"), "step " + report.step());
        }
        assertTrue(Files.isDirectory(runDir.resolve("checkpoints/step-00000030")));
    }

    @Test
    void aResumedRunMatchesTheUninterruptedRunStepForStep(@TempDir Path dir) {
        Recorder uninterrupted = new Recorder();
        AutoencoderKL full = new AutoencoderKL(modelConfig());
        Map<String, Tensor> initial = copy(StateDict.of(full));
        trainer(full, config(8, 4, 4), dir.resolve("a")).train(DATA, List.of(uninterrupted));

        AutoencoderKL first = new AutoencoderKL(modelConfig());
        StateDict.load(first, dev.vae4j.core.io.TensorSource.of(initial), true, "initial");
        trainer(first, config(4, 4, 4), dir.resolve("b")).train(DATA, List.of());
        AutoencoderKL second = new AutoencoderKL(modelConfig());
        Trainer resumed = trainer(second, config(8, 4, 4), dir.resolve("b"));
        resumed.resume(CheckpointStore.latest(dir.resolve("b")).orElseThrow());
        Recorder rest = new Recorder();
        resumed.train(DATA, List.of(rest));

        for (int i = 0; i < 4; i++) {
            assertEquals(uninterrupted.logs.get(4 + i).terms(), rest.logs.get(i).terms(), "step " + (5 + i));
        }
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> a = StateDict.of(full);
            Map<String, Tensor> b = StateDict.of(second);
            for (String key : a.keySet()) {
                assertClose("resumed " + key, a.get(key), b.get(key), 0.0);
            }
        }
    }

    @Test
    void aCrashWhileSavingLeavesThePreviousCheckpointUsable(@TempDir Path runDir) throws IOException {
        trainer(new AutoencoderKL(modelConfig()), config(4, 100, 2), runDir).train(DATA, List.of());
        Path partial = runDir.resolve("checkpoints/.tmp-step-00000006");
        Files.createDirectories(partial);
        Files.write(partial.resolve("autoencoder.safetensors"), new byte[] {1, 2, 3});
        Path latest = CheckpointStore.latest(runDir).orElseThrow();
        assertEquals("step-00000004", latest.getFileName().toString());
        Trainer again = trainer(new AutoencoderKL(modelConfig()), config(6, 100, 2), runDir);
        again.resume(latest);
        assertEquals(4, again.state().step());
        again.train(DATA, List.of());
        assertEquals(6, again.state().step());
        assertFalse(Files.exists(partial), "the stale temporary checkpoint is replaced");
    }

    @Test
    void nonFiniteLossesAreSkippedThenStopTheRun(@TempDir Path runDir) {
        GeneratorObjective poisoned = new GeneratorObjective() {
            @Override
            public LossTerms generatorLoss(
                    Tensor inputs,
                    Tensor reconstructions,
                    LatentDistribution posterior,
                    Discriminator discriminator,
                    long step,
                    Tensor lastLayerWeight) {
                Tensor nan = reconstructions.mean().mul(new org.bytedeco.pytorch.Scalar(Double.NaN));
                return new LossTerms(nan, Map.of("rec", nan));
            }
        };
        AutoencoderKL model = new AutoencoderKL(modelConfig());
        Map<String, Tensor> before = copy(StateDict.of(model));
        Recorder recorder = new Recorder();
        Trainer trainer =
                Trainer.builder(model, poisoned, config(10, 100, 0), runDir).build();
        NonFiniteLossException error =
                assertThrows(NonFiniteLossException.class, () -> trainer.train(DATA, List.of(recorder)));
        assertTrue(error.getMessage().contains("generator loss"), error.getMessage());
        assertEquals(2, recorder.reports.size());
        assertTrue(recorder.reports.get(0).skipped());
        try (TensorScope scope = new TensorScope()) {
            StateDict.of(model).forEach((key, value) -> assertClose("unchanged " + key, before.get(key), value, 0.0));
        }
    }

    private static Map<String, Tensor> copy(Map<String, Tensor> tensors) {
        Map<String, Tensor> copies = new java.util.LinkedHashMap<>();
        tensors.forEach((key, value) -> copies.put(key, value.detach().clone()));
        return copies;
    }
}
