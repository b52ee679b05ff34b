package dev.vae4j.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.tensor.Precision;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.Denoiser;
import dev.vae4j.diffusion.dit.DiT;
import dev.vae4j.diffusion.dit.DiTConfig;
import dev.vae4j.diffusion.objective.DiffusionObjective;
import dev.vae4j.diffusion.objective.ObjectiveTerms;
import dev.vae4j.diffusion.objective.RectifiedFlowObjective;
import dev.vae4j.diffusion.objective.TrainingObjective;
import dev.vae4j.diffusion.schedule.BetaSchedule;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import dev.vae4j.diffusion.unet.LatentUNet;
import dev.vae4j.diffusion.unet.LatentUNetConfig;
import dev.vae4j.train.CheckpointStore;
import dev.vae4j.train.IntervalReport;
import dev.vae4j.train.LearningRateSchedule;
import dev.vae4j.train.OptimizerSettings;
import dev.vae4j.train.StepReport;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingRun;
import dev.vae4j.train.TrainingState;
import dev.vae4j.train.listeners.MetricsLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stage-2 trainer on a tiny DiT (hidden 32, depth 2, patch 2, 8x8 latents): exact resume, the non-finite skip, the
 * final diffusers folder, and the checks made before any work.
 */
class DenoiserTrainerTest {
    static final DiTConfig CONFIG =
            DiTConfig.builder(2, 16, 2).size(8, 2).classes(3).build();

    static DiT dit(long seed) {
        torch.manual_seed(seed);
        return new DiT(CONFIG);
    }

    static DiffusionObjective ddpm() {
        return DiffusionObjective.builder(NoiseSchedule.diffusers(BetaSchedule.LINEAR, 1000, 1e-4, 0.02))
                .build();
    }

    static TrainConfig config(long steps, int batch, long checkpointEvery) {
        return TrainConfig.builder(
                        steps,
                        batch,
                        new OptimizerSettings(OptimizerSettings.Algorithm.ADAMW, 1e-3, 0.9, 0.999, 1e-8, 0.01))
                .seed(5)
                .schedule(LearningRateSchedule.constant(1))
                .gradClip(1.0)
                .ema(0.9, 0)
                .maxNonFinite(3)
                .checkpoints(checkpointEvery, 5)
                .logEvery(1)
                .build();
    }

    private static Map<String, Tensor> weights(Path file) {
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            Map<String, Tensor> out = new java.util.LinkedHashMap<>();
            for (String name : reader.names()) {
                Tensor t = reader.load(name);
                t.retainReference();
                out.put(name, t);
            }
            return out;
        }
    }

    private static void assertBitwiseEqual(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, e) -> assertTrue(torch.equal(e, actual.get(name)), name + " differs"));
    }

    @Test
    void aStoppedAndResumedRunEndsWithTheWeightsOfAnUninterruptedOne(@TempDir Path dir) {
        FixedLatents data = FixedLatents.random(10, 4, 8, 3, 1);
        TrainConfig config = config(6, 3, 0).toBuilder().gradAccumulation(2).build();
        Path whole = dir.resolve("whole");
        DenoiserTrainer.builder(dit(3), ddpm(), config, whole)
                .classDropout(0.3)
                .build()
                .train(data, List.of());

        Path parts = dir.resolve("parts");
        StopRequest stop = new StopRequest();
        TrainingState stopped = DenoiserTrainer.builder(dit(3), ddpm(), config, parts)
                .classDropout(0.3)
                .stopOn(stop)
                .build()
                .train(data, List.of(new TrainingListener() {
                    @Override
                    public void onStep(TrainingRun run, StepReport report) {
                        if (report.step() == 2) {
                            stop.request("test");
                        }
                    }
                }));
        assertEquals(3, stopped.step(), "the request made in step 2's onStep is seen after step 3");
        assertFalse(Files.exists(parts.resolve(DiT.PIPELINE_SUBFOLDER)), "a stopped run writes no final model");
        DenoiserTrainer resumed = DenoiserTrainer.builder(dit(99), ddpm(), config, parts)
                .classDropout(0.3)
                .build();
        resumed.resume(CheckpointStore.latest(parts).orElseThrow());
        assertEquals(6, resumed.train(data, List.of()).step());

        try (TensorScope scope = new TensorScope()) {
            Path a = CheckpointStore.latest(whole).orElseThrow();
            Path b = CheckpointStore.latest(parts).orElseThrow();
            assertBitwiseEqual(weights(a.resolve("denoiser.safetensors")), weights(b.resolve("denoiser.safetensors")));
            assertBitwiseEqual(weights(a.resolve("ema.safetensors")), weights(b.resolve("ema.safetensors")));
            assertTrue(Files.isRegularFile(b.resolve("denoiser-optimizer.pt")));
        }
    }

    @Test
    void aFinishedDiTRunWritesItsEmaWeightsAsADiffusersTransformerFolder(@TempDir Path dir) {
        DenoiserTrainer trainer =
                DenoiserTrainer.builder(dit(3), ddpm(), config(3, 4, 0), dir).build();
        List<IntervalReport> logs = new ArrayList<>();
        trainer.train(FixedLatents.random(8, 4, 8, 3, 2), List.of(new MetricsLog(dir), new TrainingListener() {
            @Override
            public void onLog(TrainingRun run, IntervalReport report) {
                logs.add(report);
            }
        }));
        assertEquals(3, logs.size());
        assertTrue(logs.get(0).terms().containsKey("loss"), logs.get(0).terms().toString());
        assertTrue(Files.isRegularFile(dir.resolve("metrics.jsonl")));
        try (TensorScope scope = new TensorScope()) {
            DiT loaded = DiT.load(trainer.modelFolder());
            assertEquals(CONFIG, loaded.config());
            Map<String, Tensor> saved = StateDict.of(loaded);
            trainer.ema().tensors().forEach((name, value) -> assertTrue(torch.equal(value, saved.get(name)), name));
        }
    }

    /** An objective whose loss is infinite on its {@code bad}-th evaluation (counted from 1). */
    private static final class PoisonedObjective implements TrainingObjective {
        private final DiffusionObjective inner = ddpm();
        private final int bad;
        private int calls;

        PoisonedObjective(int bad) {
            this.bad = bad;
        }

        @Override
        public Draw draw(Tensor x0, Generator generator) {
            return inner.draw(x0, generator);
        }

        @Override
        public ObjectiveTerms compute(Denoiser denoiser, Tensor x0, Tensor labels, Tensor times, Tensor noise) {
            ObjectiveTerms terms = inner.compute(denoiser, x0, labels, times, noise);
            if (++calls != bad) {
                return terms;
            }
            return new ObjectiveTerms(
                    terms.loss().add(new Scalar(Double.POSITIVE_INFINITY)),
                    terms.timesteps(),
                    terms.noise(),
                    terms.noisyLatents(),
                    terms.prediction(),
                    terms.target());
        }
    }

    @Test
    void aNonFiniteLossSkipsTheStepAndIsCounted(@TempDir Path dir) {
        DiT model = dit(3);
        List<StepReport> reports = new ArrayList<>();
        TrainingState end = DenoiserTrainer.builder(model, new PoisonedObjective(2), config(3, 2, 0), dir)
                .build()
                .train(FixedLatents.random(6, 4, 8, 3, 3), List.of(new TrainingListener() {
                    @Override
                    public void onStep(TrainingRun run, StepReport report) {
                        reports.add(report);
                    }
                }));
        assertEquals(3, end.step());
        assertEquals(1, end.skippedSteps());
        assertEquals(
                List.of(false, true, false),
                reports.stream().map(StepReport::skipped).toList());
    }

    private static LatentUNet unet() {
        torch.manual_seed(4);
        return new LatentUNet(LatentUNetConfig.builder(8)
                .channels(4, 4)
                .initDim(4)
                .dimMults(List.of(1, 2))
                .resnetGroups(2)
                .resnetStacks(1)
                .classes(3)
                .attention(2, 4)
                .build());
    }

    @Test
    void theLatentUNetTrainsWithRectifiedFlowUnderBf16Autocast(@TempDir Path dir) {
        TrainConfig config =
                config(3, 2, 0).toBuilder().precision(Precision.BF16).build();
        List<IntervalReport> logs = new ArrayList<>();
        TrainingState end = DenoiserTrainer.builder(
                        unet(), RectifiedFlowObjective.builder().build(), config, dir)
                .build()
                .train(FixedLatents.random(6, 4, 8, 3, 4), List.of(new TrainingListener() {
                    @Override
                    public void onLog(TrainingRun run, IntervalReport report) {
                        logs.add(report);
                    }
                }));
        assertEquals(3, end.step());
        assertEquals(0, end.skippedSteps());
        logs.forEach(log -> assertTrue(Double.isFinite(log.terms().get("loss")), log.toString()));
        assertTrue(Files.isRegularFile(CheckpointStore.latest(dir).orElseThrow().resolve("denoiser.safetensors")));
        assertFalse(Files.exists(dir.resolve(DiT.PIPELINE_SUBFOLDER)), "only a DiT run writes a diffusers folder");
    }

    private static String rejected(FixedLatents data, DiT model, double classDropout, Path dir) {
        DenoiserTrainer trainer = DenoiserTrainer.builder(model, ddpm(), config(2, 2, 0), dir)
                .classDropout(classDropout)
                .build();
        String message = assertThrows(IllegalArgumentException.class, () -> trainer.train(data, List.of()))
                .getMessage();
        assertEquals(0, trainer.state().step());
        assertFalse(Files.exists(dir.resolve("checkpoints")), "nothing is written before the checks");
        return message;
    }

    private static String rejectedUnet(Path dir) {
        DenoiserTrainer trainer = DenoiserTrainer.builder(unet(), ddpm(), config(2, 2, 0), dir)
                .classDropout(0.1)
                .build();
        return assertThrows(
                        IllegalArgumentException.class,
                        () -> trainer.train(FixedLatents.random(4, 4, 8, 3, 1), List.of()))
                .getMessage();
    }

    @Test
    void latentsThatDoNotFitTheDenoiserAreRejectedBeforeAnyStep(@TempDir Path dir) {
        assertEquals(
                "the denoiser is class-conditional (3 classes) but the training latents have no labels (cache them"
                        + " with vae encode --labels)",
                rejected(FixedLatents.random(4, 4, 8, 0, 1), dit(1), 0, dir.resolve("a")));
        assertEquals(
                "the training latents have 3 channels but the denoiser takes 4",
                rejected(FixedLatents.random(4, 3, 8, 3, 1), dit(1), 0, dir.resolve("b")));
        assertEquals(
                "the training latents are 16x16 but the DiT's sample_size is 8x8",
                rejected(FixedLatents.random(4, 4, 16, 3, 1), dit(1), 0, dir.resolve("c")));
        assertEquals(
                "class id 4 of the training latents is outside [0, 3) (the denoiser's classes)",
                rejected(FixedLatents.random(5, 4, 8, 5, 1), dit(1), 0, dir.resolve("d")));
        assertEquals(
                "class dropout 0.1 needs a denoiser with a null class for single samples (a DiT); this one has none: set"
                        + " class dropout to 0",
                rejectedUnet(dir.resolve("e")));
        assertEquals(
                "class dropout must be in [0, 1), got 1.0",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> DenoiserTrainer.builder(dit(1), ddpm(), config(2, 2, 0), dir)
                                        .classDropout(1.0))
                        .getMessage());
    }
}
