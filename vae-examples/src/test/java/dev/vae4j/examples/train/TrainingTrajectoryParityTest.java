package dev.vae4j.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.data.ImageArray;
import dev.vae4j.core.data.ImageDataset;
import dev.vae4j.core.data.ShardedSampler;
import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.core.train.IntervalReport;
import dev.vae4j.core.train.StepReport;
import dev.vae4j.core.train.TrainConfig;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.train.Trainer;
import dev.vae4j.core.train.TrainingListener;
import dev.vae4j.core.train.TrainingRun;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code vae train}'s {@link Trainer}, with a built-in recipe's objective, optimizers, schedule, clipping and EMA,
 * follows a PyTorch training loop step for step ({@code tools/reference/gen_training.py}: diffusers AutoencoderKL,
 * taming PatchGAN, LDM loss math, torch Adam and schedulers, diffusers EMAModel): same initial weights, same
 * batches in the same order, same posterior noise (the fixture's loop draws it from the libtorch generator the
 * trainer seeds per sample). Every logged loss term of every step agrees to 1e-4 relative, or to ten times the
 * largest difference PyTorch shows with itself up to that step (the fixture's {@code spread.*}: the same loop on 1
 * and 2 threads) where float32 drift makes that larger (late steps of the adaptive weight, a ratio of gradient norms
 * of the sign-valued L1 gradient); the final autoencoder, EMA and discriminator weights agree to 1e-4, or to ten times
 * PyTorch's own difference for that tensor (parameters with an analytically zero gradient, such as attention key
 * biases, random-walk on rounding noise under Adam).
 */
class TrainingTrajectoryParityTest {
    private static final double RELATIVE = 1e-4;
    private static final double WEIGHTS = 1e-4;
    /** How many times PyTorch's own drift (1 vs 2 threads, up to that step) a term may differ by. */
    private static final double SPREAD_FACTOR = 10;

    @ParameterizedTest
    @ValueSource(strings = {"tiny", "ldm_kl_f8"})
    void followsThePyTorchLoop(String name, @TempDir Path runDir) throws IOException {
        torch.set_num_threads(1);
        try (SafetensorsReader fixture = SafetensorsReader.open(Fixtures.dir("training/" + name + ".safetensors"));
             TensorScope scope = new TensorScope()) {
            Recipe recipe = recipe(fixture.metadata());
            TrainConfig config = recipe.train().withLogEvery(1); // the loss terms of every step
            TrainableAutoencoder model = Autoencoders.create(recipe.model().config());
            StateDict.load(model.module(), prefixed(fixture, "init.ae."), true, "init.ae");
            Discriminator discriminator = TrainingSession.discriminator(recipe, model.outputChannels(), null);
            StateDict.load(discriminator.module(), prefixed(fixture, "init.disc."), true, "init.disc");
            String lpips = fixture.metadata().getOrDefault("lpips", "");
            ObjectiveFactory.Objectives objectives = ObjectiveFactory.create(recipe,
                    lpips.isEmpty() ? null : Fixtures.dir("training/" + lpips));
            Trainer trainer = new Trainer(model, discriminator, objectives.generator(), objectives.discriminator(),
                    config, runDir);
            List<StepReport> reports = new ArrayList<>();
            List<IntervalReport> logs = new ArrayList<>();
            trainer.train(dataset(fixture.load("images"), config.seed()), List.of(new TrainingListener() {
                @Override
                public void onStep(TrainingRun run, StepReport report) {
                    reports.add(report);
                }

                @Override
                public void onLog(TrainingRun run, IntervalReport report) {
                    logs.add(report);
                }
            }));

            assertEquals(config.steps(), reports.size());
            double[] lr = values(fixture.load("lr"));
            double worst = 0;
            for (StepReport report : reports) {
                int i = (int) report.step() - 1;
                String at = name + " step " + report.step() + " ";
                worst = Math.max(worst, check(at + "lr", lr[i], report.learningRate(), 0.0));
                for (String term : fixture.names()) {
                    if (!term.startsWith("loss.")) {
                        continue;
                    }
                    String key = term.substring("loss.".length());
                    double expected = values(fixture.load(term))[i];
                    Double actual = logs.get(i).terms().get(key);
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
                }
            }
            System.out.printf("parity %-48s max relative diff = %.3e (tol 1e-4, or 10x PyTorch's own drift)%n",
                    name + " loss terms", worst);
            compare(name + " autoencoder", fixture, "final.ae.", StateDict.of(model.module()));
            if (config.emaDecay() > 0) {
                compare(name + " EMA", fixture, "final.ema.", trainer.ema().tensors());
            }
            compare(name + " discriminator", fixture, "final.disc.", StateDict.of(discriminator.module()));
        }
    }

    /** The recipe the fixture names with the fixture's overrides merged into its tree ("model" replaced whole). */
    private static Recipe recipe(Map<String, String> metadata) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode tree = (ObjectNode) Recipe.load(metadata.get("recipe")).toJson();
        merge(tree, (ObjectNode) json.readTree(metadata.get("overrides")));
        return json.treeToValue(tree, Recipe.class);
    }

    private static void merge(ObjectNode into, ObjectNode overrides) {
        overrides.fields().forEachRemaining(field -> {
            JsonNode current = into.get(field.getKey());
            if (field.getValue().isObject() && current != null && current.isObject()
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
    private static ImageDataset dataset(Tensor images, long seed) {
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
            byIndex[order[k]] = new ImageArray((int) images.size(1), (int) images.size(2), (int) images.size(3),
                    data);
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

    private static TensorSource prefixed(SafetensorsReader fixture, String prefix) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String key : fixture.names()) {
            if (key.startsWith(prefix)) {
                tensors.put(key.substring(prefix.length()), fixture.load(key));
            }
        }
        return TensorSource.of(tensors);
    }

    private static void compare(String label, SafetensorsReader fixture, String prefix, Map<String, Tensor> actual) {
        double worst = 0;
        String worstKey = null;
        int count = 0;
        for (String key : fixture.names()) {
            if (!key.startsWith(prefix)) {
                continue;
            }
            String name = key.substring(prefix.length());
            Tensor mine = actual.get(name);
            assertTrue(mine != null, label + ": no tensor " + name);
            double allowed = fixture.contains("spread." + key)
                    ? Math.max(WEIGHTS, SPREAD_FACTOR * fixture.load("spread." + key).item_double()) : WEIGHTS;
            double diff = Fixtures.maxAbsDiff(fixture.load(key), mine);
            assertTrue(diff <= allowed, label + ": max|diff| " + diff + " > " + allowed + " at " + name);
            if (diff >= worst) {
                worst = diff;
                worstKey = name;
            }
            count++;
        }
        assertTrue(count > 0, label + ": no tensors");
        System.out.printf("parity %-48s max|diff| = %.3e at %s (tol 1e-4, or 10x PyTorch's own drift)%n",
                label + " (" + count + " tensors)", worst, worstKey);
    }

    /**
     * Fails unless {@code |expected - actual| <= max(RELATIVE * max(|expected|, 1e-3), allowance)}; returns the
     * difference relative to {@code max(|expected|, 1e-3)}.
     */
    private static double check(String label, double expected, double actual, double allowance) {
        double scale = Math.max(Math.abs(expected), 1e-3);
        double diff = Math.abs(expected - actual);
        assertTrue(diff <= Math.max(RELATIVE * scale, allowance), label + ": PyTorch " + expected + ", vae4j "
                + actual + " (allowed " + Math.max(RELATIVE * scale, allowance) + ")");
        return diff / scale;
    }

    private static double[] values(Tensor t) {
        Tensor d = t.to(ScalarType.Double).contiguous();
        double[] out = new double[(int) d.numel()];
        d.data_ptr_double().get(out);
        return out;
    }
}
