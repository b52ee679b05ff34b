package dev.vae4j.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.diffusion.dit.DiT;
import dev.vae4j.diffusion.dit.DiTConfig;
import dev.vae4j.diffusion.objective.DiffusionObjective;
import dev.vae4j.diffusion.schedule.BetaSchedule;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import dev.vae4j.train.IntervalReport;
import dev.vae4j.train.LearningRateSchedule;
import dev.vae4j.train.OptimizerSettings;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DenoiserTrainer} follows a PyTorch DiT training loop step for step
 * ({@code tools/reference/gen_trajectory_dit.py}: diffusers {@code DiTTransformer2DModel},
 * {@code DDPMScheduler.add_noise} with linear betas and epsilon targets, MSE, {@code torch.optim.AdamW} with linear
 * warm-up, gradient clipping and diffusers' {@code EMAModel}), on the same initial weights and latents in the same
 * order, with the timesteps, noise and class-dropout decisions both draw from the libtorch CPU generator seeded per
 * sample. The logged loss and learning rate of every step agree to 1e-4, and the final weights and EMA weights to 1e-4
 * or ten times PyTorch's own spread for that tensor when only its float kernels change (the fixture's {@code spread.*};
 * between 1 and 2 threads this tiny model does not move at all, but MKL's generic BLAS path, AVX-512 and SSE4.1 kernels
 * move single parameters of PyTorch's own run by up to 2.3e-4: Adam turns rounding noise in near-zero gradients into
 * steps of about the learning rate).
 */
@Tag("parity")
class DiTTrajectoryParityTest {
    private static final double TOLERANCE = 1e-4;
    private static final double SPREAD_FACTOR = 10;

    @Test
    void followsThePyTorchLoop(@TempDir Path runDir) throws IOException {
        torch.set_num_threads(1);
        try (SafetensorsReader fixture = SafetensorsReader.open(Fixtures.dir("dit_trajectory/trajectory.safetensors"));
                TensorScope scope = new TensorScope()) {
            Path configFile = runDir.resolve("config.json");
            Files.writeString(configFile, fixture.metadata().get("config"));
            DiT model = new DiT(DiTConfig.read(configFile));
            StateDict.load(model, TensorSource.of(prefixed(fixture, "init.")), true, "init");
            Tensor latents = fixture.load("latents");
            long[] labels = longs(fixture.load("labels"));
            TrainConfig config = TrainConfig.builder(
                            20,
                            4,
                            new OptimizerSettings(OptimizerSettings.Algorithm.ADAMW, 1e-3, 0.9, 0.999, 1e-8, 0.01))
                    .seed(7)
                    .schedule(LearningRateSchedule.constant(5))
                    .gradClip(1.0)
                    .ema(0.9, 0)
                    .logEvery(1)
                    .build();
            DiffusionObjective objective = DiffusionObjective.builder(
                            NoiseSchedule.diffusers(BetaSchedule.LINEAR, 1000, 1e-4, 0.02))
                    .build();
            List<IntervalReport> logs = new ArrayList<>();
            DenoiserTrainer trainer = DenoiserTrainer.builder(model, objective, config, runDir.resolve("run"))
                    .classDropout(0.25)
                    .build();
            trainer.train(
                    FixedLatents.byPosition(latents, labels, (int) latents.size(0)), List.of(new TrainingListener() {
                        @Override
                        public void onLog(TrainingRun run, IntervalReport report) {
                            logs.add(report);
                        }
                    }));
            assertEquals(20, logs.size());
            double[] loss = doubles(fixture.load("loss.loss"));
            double[] lr = doubles(fixture.load("lr"));
            double worstLoss = 0;
            for (int step = 0; step < 20; step++) {
                worstLoss = Math.max(worstLoss, Math.abs(logs.get(step).terms().get("loss") - loss[step]));
                assertEquals(lr[step], logs.get(step).learningRate(), 1e-12, "lr of step " + (step + 1));
            }
            System.out.printf("parity dit trajectory loss max|diff| = %.3e (tol %.0e)%n", worstLoss, TOLERANCE);
            assertTrue(worstLoss <= TOLERANCE, "loss differs by " + worstLoss);
            compareWeights(fixture, "final.dit.", StateDict.of(model));
            compareWeights(fixture, "final.ema.", trainer.ema().tensors());
        }
    }

    private static void compareWeights(SafetensorsReader fixture, String prefix, Map<String, Tensor> actual) {
        Map<String, Tensor> expected = prefixed(fixture, prefix);
        assertEquals(expected.keySet(), actual.keySet());
        double worst = 0;
        double worstMargin = Double.POSITIVE_INFINITY;
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            double diff = Fixtures.maxAbsDiff(e.getValue(), actual.get(e.getKey()));
            double allowed = Math.max(
                    TOLERANCE,
                    SPREAD_FACTOR
                            * fixture.load("spread." + prefix + e.getKey()).item_double());
            worst = Math.max(worst, diff);
            worstMargin = Math.min(worstMargin, allowed / Math.max(diff, 1e-30));
            assertTrue(diff <= allowed, prefix + e.getKey() + " differs by " + diff + " > " + allowed);
        }
        System.out.printf(
                "parity dit trajectory %s* max|diff| = %.3e (tol 1e-4, or 10x PyTorch's kernel spread) margin %.1fx%n",
                prefix, worst, worstMargin);
    }

    private static Map<String, Tensor> prefixed(SafetensorsReader fixture, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : fixture.names()) {
            if (name.startsWith(prefix)) {
                out.put(name.substring(prefix.length()), fixture.load(name));
            }
        }
        return out;
    }

    private static double[] doubles(Tensor t) {
        Tensor c = t.to(torch.ScalarType.Double).contiguous();
        double[] out = new double[(int) c.numel()];
        c.data_ptr_double().get(out, 0, out.length);
        return out;
    }

    private static long[] longs(Tensor t) {
        Tensor c = t.to(torch.ScalarType.Long).contiguous();
        long[] out = new long[(int) c.numel()];
        c.data_ptr_long().get(out, 0, out.length);
        return out;
    }
}
