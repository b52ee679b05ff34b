package dev.vae4j.recipes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.train.IntervalReport;
import dev.vae4j.train.StepReport;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.Trainer;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingRun;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.data.ImageDataset;
import dev.vae4j.train.data.ShardedSampler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Reading and checking a training-trajectory fixture (the layout of {@code tools/reference/gen_trajectory.py}: images,
 * {@code init.*}, {@code lr}, {@code loss.<term>}, {@code final.*}, {@code spread.*}, metadata {@code recipe} and
 * {@code overrides}). Loss terms must agree to 1e-4 relative (of {@code max(|expected|, 1e-3)}) or to ten times
 * PyTorch's kernel spread up to that step (the largest difference between the fixture run and the same loop under the
 * kernel variants of {@code tools/reference/kernel_variants.py}); final tensors to 1e-4 or ten times that tensor's
 * spread. Each check prints its margin (allowed / actual difference, the tightest of the step or tensor).
 */
final class TrajectoryFixture {
    static final double RELATIVE = 1e-4;
    static final double WEIGHTS = 1e-4;
    /** How many times PyTorch's kernel spread (up to that step) a value may differ by. */
    static final double SPREAD_FACTOR = 10;

    private TrajectoryFixture() {}

    /** The recipe the fixture names with the fixture's overrides merged into its tree ("model" replaced whole). */
    static Recipe recipe(Map<String, String> metadata) throws IOException {
        return recipe(metadata.get("recipe"), (ObjectNode) new ObjectMapper().readTree(metadata.get("overrides")));
    }

    /** The built-in recipe {@code name} with {@code overrides} merged into its tree ("model" replaced whole). */
    static Recipe recipe(String name, ObjectNode overrides) throws IOException {
        ObjectNode tree = (ObjectNode)
                new ObjectMapper(new YAMLFactory()).readTree(Recipe.load(name).toYaml());
        merge(tree, overrides);
        return Recipe.parse(tree.toString(), name + " with the fixture's overrides");
    }

    private static void merge(ObjectNode into, ObjectNode overrides) {
        overrides.fields().forEachRemaining(field -> {
            JsonNode current = into.get(field.getKey());
            if (field.getValue().isObject()
                    && current != null
                    && current.isObject()
                    && !field.getKey().equals("model")) {
                merge((ObjectNode) current, (ObjectNode) field.getValue());
            } else {
                into.set(field.getKey(), field.getValue());
            }
        });
    }

    /**
     * The fixture's images as a dataset laid out so that the trainer's shuffled first epoch visits them in stored
     * order: image k sits at the index the sampler visits k-th.
     */
    static ImageDataset dataset(Tensor images, long seed) {
        int n = (int) images.size(0);
        int[] order = ShardedSampler.single(n, seed, true).order(0);
        ImageArray[] byIndex = new ImageArray[n];
        Tensor bytes = images.contiguous();
        int per = (int) (bytes.numel() / n);
        byte[] all = new byte[(int) bytes.numel()];
        bytes.data_ptr_byte().get(all);
        for (int k = 0; k < n; k++) {
            float[] data = new float[per];
            for (int j = 0; j < per; j++) {
                data[j] = ImageTensors.toUnit(all[k * per + j] & 0xff);
            }
            byIndex[order[k]] = new ImageArray((int) images.size(1), (int) images.size(2), (int) images.size(3), data);
        }
        return new ImageDataset() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public ImageArray get(int index, SplittableRandom random) {
                return byIndex[index];
            }

            @Override
            public String describe(int index) {
                return "fixture image " + index;
            }
        };
    }

    /** The fixture tensors under {@code prefix}, with the prefix removed. */
    static TensorSource prefixed(SafetensorsReader fixture, String prefix) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String key : fixture.names()) {
            if (key.startsWith(prefix)) {
                tensors.put(key.substring(prefix.length()), fixture.load(key));
            }
        }
        return TensorSource.of(tensors);
    }

    /**
     * Runs {@code trainer} (built with {@code log_every: 1}) on the fixture's images and returns its log reports, one
     * per step, after checking that it ran {@code steps} steps.
     */
    static List<IntervalReport> train(Trainer trainer, SafetensorsReader fixture, TrainConfig config) {
        assertEquals(1, config.logEvery(), "trajectory runs log every step");
        List<StepReport> steps = new ArrayList<>();
        List<IntervalReport> logs = new ArrayList<>();
        trainer.train(dataset(fixture.load("images"), config.seed()), List.of(new TrainingListener() {
            @Override
            public void onStep(TrainingRun run, StepReport report) {
                steps.add(report);
            }

            @Override
            public void onLog(TrainingRun run, IntervalReport report) {
                logs.add(report);
            }
        }));
        assertEquals(config.steps(), steps.size());
        assertEquals(config.steps(), logs.size());
        return logs;
    }

    /**
     * Checks the learning rate and every {@code loss.*} term of every step (one log report per step); returns the worst
     * relative difference.
     */
    static double checkSteps(String name, SafetensorsReader fixture, List<IntervalReport> reports) {
        double[] lr = values(fixture.load("lr"));
        double worst = 0;
        double tightest = 0;
        for (IntervalReport report : reports) {
            assertEquals(report.firstStep(), report.lastStep(), "one step per log report");
            int i = (int) report.lastStep() - 1;
            String at = name + " step " + report.lastStep() + " ";
            worst = Math.max(worst, check(at + "lr", lr[i], report.learningRate(), 0.0));
            tightest = Math.max(tightest, used(lr[i], report.learningRate(), 0.0));
            for (String term : fixture.names()) {
                if (!term.startsWith("loss.")) {
                    continue;
                }
                String key = term.substring("loss.".length());
                double expected = values(fixture.load(term))[i];
                Double actual = report.terms().get(key);
                if (actual == null) {
                    assertEquals(0.0, expected, at + key + " not logged");
                    continue;
                }
                double[] spread = values(fixture.load("spread." + key));
                double envelope = 0;
                for (int j = 0; j <= i; j++) {
                    envelope = Math.max(envelope, spread[j]);
                }
                worst = Math.max(worst, check(at + key, expected, actual, SPREAD_FACTOR * envelope));
                tightest = Math.max(tightest, used(expected, actual, SPREAD_FACTOR * envelope));
            }
        }
        System.out.printf(
                "parity %-48s max relative diff = %.3e (tol 1e-4, or 10x PyTorch's kernel spread)" + " margin %.1fx%n",
                name + " loss terms", worst, 1 / tightest);
        return worst;
    }

    /** Compares every fixture tensor under {@code prefix} with {@code actual}. */
    static void compare(String label, SafetensorsReader fixture, String prefix, Map<String, Tensor> actual) {
        double worst = 0;
        String worstKey = null;
        double tightest = 0;
        int count = 0;
        for (String key : fixture.names()) {
            if (!key.startsWith(prefix)) {
                continue;
            }
            String name = key.substring(prefix.length());
            Tensor mine = actual.get(name);
            assertTrue(mine != null, label + ": no tensor " + name);
            double allowed = fixture.contains("spread." + key)
                    ? Math.max(
                            WEIGHTS,
                            SPREAD_FACTOR * fixture.load("spread." + key).item_double())
                    : WEIGHTS;
            double diff = Fixtures.maxAbsDiff(fixture.load(key), mine);
            assertTrue(diff <= allowed, label + ": max|diff| " + diff + " > " + allowed + " at " + name);
            tightest = Math.max(tightest, diff / allowed);
            if (diff >= worst) {
                worst = diff;
                worstKey = name;
            }
            count++;
        }
        assertTrue(count > 0, label + ": no tensors");
        System.out.printf(
                "parity %-48s max|diff| = %.3e at %s (tol 1e-4, or 10x PyTorch's kernel spread)" + " margin %.1fx%n",
                label + " (" + count + " tensors)", worst, worstKey, 1 / tightest);
    }

    /**
     * Fails unless {@code |expected - actual| <= max(RELATIVE * max(|expected|, 1e-3), allowance)}; returns the
     * difference relative to {@code max(|expected|, 1e-3)}.
     */
    private static double check(String label, double expected, double actual, double allowance) {
        double scale = Math.max(Math.abs(expected), 1e-3);
        double diff = Math.abs(expected - actual);
        assertTrue(
                diff <= Math.max(RELATIVE * scale, allowance),
                label + ": PyTorch " + expected + ", vae4j " + actual + " (allowed "
                        + Math.max(RELATIVE * scale, allowance) + ")");
        return diff / scale;
    }

    private static double used(double expected, double actual, double allowance) {
        return Math.abs(expected - actual) / Math.max(RELATIVE * Math.max(Math.abs(expected), 1e-3), allowance);
    }

    private static double[] values(Tensor t) {
        Tensor d = t.to(ScalarType.Double).contiguous();
        double[] out = new double[(int) d.numel()];
        d.data_ptr_double().get(out);
        return out;
    }
}
