package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.diffusion.train.Stage2Recipe;
import dev.vae4j.eval.Diffusability;
import dev.vae4j.train.StepReport;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingRun;
import dev.vae4j.train.cache.CacheLabels;
import dev.vae4j.train.data.SyntheticImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A diffusability comparison stopped in the middle of its second autoencoder's stage-2 run, then called again on the
 * same work folder, ends as an uninterrupted comparison: the same rows, the same logged losses of every step.
 */
class DiffusabilityStopResumeTest {
    private static final int STEPS = 4;

    private static Diffusability.Data data() {
        SyntheticImages images = new SyntheticImages(24, 16, 0, false);
        return new Diffusability.Data(images.asSource(), CacheLabels.synthetic(images), images, 16);
    }

    private static Diffusability comparison(Path work) {
        Stage2Recipe recipe = Stage2Recipe.load("dit-synthetic");
        recipe = recipe.withTrain(
                recipe.train().toBuilder().steps(STEPS).logEvery(1).build());
        return new Diffusability(recipe, work, null, 2, 2);
    }

    /** Requests {@code stop} after the {@code after}-th training step of the whole comparison. */
    private static TrainingListener stopAfter(int after, StopRequest stop) {
        return new TrainingListener() {
            private int steps;

            @Override
            public void onStep(TrainingRun run, StepReport report) {
                if (++steps == after) {
                    stop.request("test");
                }
            }
        };
    }

    /** The run's logged training steps without their wall times. */
    private static List<String> trainLines(Path run) throws IOException {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .filter(line -> line.contains("\"kind\":\"train\""))
                .map(line -> line.replaceAll("\"seconds\":[0-9.eE+-]+,", ""))
                .toList();
    }

    @Test
    void aStoppedComparisonResumedEndsAsAnUninterruptedOne(@TempDir Path dir) throws IOException {
        List<Path> autoencoders = List.of(
                CliTestSupport.saveUnshiftedTestModel(dir.resolve("a")),
                CliTestSupport.saveTestModel(dir.resolve("b")));
        List<Diffusability.Row> straight = comparison(dir.resolve("straight")).run(autoencoders, data());

        Path work = dir.resolve("stopped");
        StopRequest stop = new StopRequest();
        List<Diffusability.Row> first =
                comparison(work).run(autoencoders, data(), stop, List.of(stopAfter(STEPS + 2, stop)));
        assertEquals(1, first.size(), "stopped in the second autoencoder's run");
        List<Diffusability.Row> resumed = comparison(work).run(autoencoders, data());

        assertEquals(2, resumed.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(straight.get(i).psnr(), resumed.get(i).psnr());
            assertEquals(straight.get(i).latentFd(), resumed.get(i).latentFd());
            Path run = work.relativize(resumed.get(i).run());
            assertEquals(
                    trainLines(dir.resolve("straight").resolve(run)),
                    trainLines(resumed.get(i).run()),
                    "logged steps of " + run);
        }
    }
}
