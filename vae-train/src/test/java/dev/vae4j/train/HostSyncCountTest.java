package dev.vae4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.train.data.SyntheticImages;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop's host synchronisations, counted with {@link HostSyncs}: one per step (the combined non-finite check that
 * decides the skip) plus one per log interval (all loss terms in one copy), however many terms the objectives log;
 * checkpoints are written outside the count (they copy whole state dicts by design).
 */
class HostSyncCountTest {
    private static final SyntheticImages DATA = new SyntheticImages(16, 16, 1, true);

    private static TrainConfig config(long steps, long logEvery) {
        return TrainConfig.builder(steps, 4, OptimizerSettings.adam(2e-3, 0.5, 0.9))
                .seed(42)
                .discriminator(OptimizerSettings.adam(1e-3, 0.5, 0.9))
                .gradClip(1.0)
                .ema(0.9, 0)
                .discStart(3)
                .logEvery(logEvery)
                .build();
    }

    private static TrainerTest.Recorder train(TrainConfig config, Path runDir) {
        org.bytedeco.pytorch.global.torch.manual_seed(11);
        AutoencoderKL model = new AutoencoderKL(TrainerTest.modelConfig());
        org.bytedeco.pytorch.global.torch.manual_seed(7);
        Trainer trainer = Trainer.builder(model, new TestObjectives.MseKl(config.discStart()), config, runDir)
                .adversary(new TestObjectives.PatchConv(), new TestObjectives.Hinge())
                .build();
        TrainerTest.Recorder recorder = new TrainerTest.Recorder();
        trainer.train(DATA, List.of(recorder));
        return recorder;
    }

    @Test
    void oneReadPerStepAndOnePerLogInterval(@TempDir Path runDir) {
        long steps = 12;
        long logEvery = 5;
        long before = HostSyncs.count();
        TrainerTest.Recorder recorder = train(config(steps, logEvery), runDir);
        long syncs = HostSyncs.count() - before;
        long intervals = (steps + logEvery - 1) / logEvery;
        System.out.printf(
                "host syncs: %d for %d steps logged every %d (%.2f per step)%n",
                syncs, steps, logEvery, (double) syncs / steps);
        assertEquals(intervals, recorder.logs.size());
        assertEquals(steps + intervals, syncs, "one non-finite check per step + one read per log interval");
    }

    @Test
    void anIntervalReportsTheMeanOfItsStepsTerms(@TempDir Path dir) {
        TrainerTest.Recorder everyStep = train(config(6, 1), dir.resolve("a"));
        TrainerTest.Recorder everyThree = train(config(6, 3), dir.resolve("b"));
        assertEquals(
                List.of(3L, 6L),
                everyThree.logs.stream().map(IntervalReport::lastStep).toList());
        for (int interval = 0; interval < 2; interval++) {
            IntervalReport report = everyThree.logs.get(interval);
            assertEquals(3, report.steps());
            for (Map.Entry<String, Double> term : report.terms().entrySet()) {
                // "disc" starts at step 4: its mean is over the steps that logged it
                List<Double> values = everyStep.logs.subList(3 * interval, 3 * interval + 3).stream()
                        .map(r -> r.terms().get(term.getKey()))
                        .filter(v -> v != null)
                        .toList();
                double mean = values.stream().mapToDouble(Double::doubleValue).sum() / values.size();
                assertEquals(mean, term.getValue(), 1e-12 * Math.max(1, Math.abs(mean)), term.getKey());
            }
        }
        assertEquals(false, everyThree.logs.get(0).terms().containsKey("disc"));
    }
}
