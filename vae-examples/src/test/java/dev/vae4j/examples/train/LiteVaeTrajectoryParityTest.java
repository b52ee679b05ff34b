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
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.core.train.StepReport;
import dev.vae4j.core.train.TrainConfig;
import dev.vae4j.core.train.Trainer;
import dev.vae4j.core.train.TrainingListener;
import dev.vae4j.core.train.TrainingRun;
import dev.vae4j.discriminators.GigaGanConfig;
import dev.vae4j.discriminators.GigaGanDiscriminator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae train}'s {@link Trainer} with the {@code litevae-b-phase-b} recipe's objective (L1, KL 0.01, wavelet
 * 1.0, Gaussian 0.5, hinge GAN with the adaptive weight 0.5 from step 0), AdamW, warm-up, clipping and EMA follows
 * the PyTorch loop of {@code tools/reference/gen_training_litevae.py}, whose model (LiteVAE encoder and SMC
 * decoder), posterior, GigaGAN discriminator and hinge losses are open-LiteVAE's own code: same initial weights, same
 * batches in the same order, same posterior noise, tiny widths, 32 px, 20 steps. Every logged term of every step
 * agrees to 1e-4 relative, or to ten times PyTorch's own 1-vs-2-thread drift up to that step (the fixture's
 * {@code spread.*}; the adaptive weight, a ratio of gradient norms, drifts most); the final autoencoder, EMA and
 * discriminator tensors agree to 1e-4, or to ten times PyTorch's own drift for that tensor.
 */
class LiteVaeTrajectoryParityTest {
    private static final double RELATIVE = 1e-4;
    private static final double WEIGHTS = 1e-4;
    private static final double SPREAD_FACTOR = 10;

    @Test
    void followsThePyTorchLoop(@TempDir Path runDir) throws IOException {
        torch.set_num_threads(1);
        try (SafetensorsReader fixture = SafetensorsReader.open(
                Fixtures.dir("training/litevae_phase_b.safetensors"));
                TensorScope scope = new TensorScope()) {
            JsonNode meta = new ObjectMapper().readTree(fixture.metadata().get("fixture"));
            Recipe recipe = recipe(meta);
            assertEquals("gigagan", recipe.discriminator().type());
            TrainConfig config = recipe.train();
            TrainableAutoencoder model = Autoencoders.create(recipe.model().config());
            StateDict.load(model.module(), prefixed(fixture, "init.ae."), true, "init.ae");
            GigaGanDiscriminator discriminator = new GigaGanDiscriminator(gigagan(meta.get("gigagan")), config.seed());
            StateDict.load(discriminator, prefixed(fixture, "init.disc."), true, "init.disc");
            ObjectiveFactory.Objectives objectives = ObjectiveFactory.create(recipe, null);
            Trainer trainer = new Trainer(model, discriminator, objectives.generator(), objectives.discriminator(),
                    config, runDir);
            List<StepReport> reports = new ArrayList<>();
            trainer.train(dataset(fixture.load("images"), config.seed()), List.of(new TrainingListener() {
                @Override
                public void onStep(TrainingRun run, StepReport report) {
                    reports.add(report);
                }
            }));

            assertEquals(config.steps(), reports.size());
            double[] lr = values(fixture.load("lr"));
            double worst = 0;
            Set<String> seen = new HashSet<>();
            for (StepReport report : reports) {
                int i = (int) report.step() - 1;
                String at = "step " + report.step() + " ";
                worst = Math.max(worst, check(at + "lr", lr[i], report.learningRate(), 0.0));
                for (String term : fixture.names()) {
                    if (!term.startsWith("loss.")) {
                        continue;
                    }
                    String key = term.substring("loss.".length());
                    Double actual = report.terms().get(key);
                    double expected = values(fixture.load(term))[i];
                    if (actual == null) {
                        assertEquals(0.0, expected, at + key + " not logged");
                        continue;
                    }
                    seen.add(key);
                    double[] spread = values(fixture.load("spread." + key));
                    double envelope = 0;
                    for (int j = 0; j <= i; j++) {
                        envelope = Math.max(envelope, spread[j]);
                    }
                    worst = Math.max(worst, check(at + key, expected, actual, SPREAD_FACTOR * envelope));
                }
            }
            assertTrue(seen.containsAll(List.of("total", "rec", "kl", "g", "d_weight", "wave", "gauss", "d_total",
                    "logits_real", "logits_fake")), "logged terms " + seen);
            System.out.printf("parity %-48s max relative diff = %.3e (tol 1e-4, or 10x PyTorch's own drift)%n",
                    "litevae_phase_b loss terms", worst);
            compare("litevae_phase_b autoencoder", fixture, "final.ae.", StateDict.of(model.module()));
            compare("litevae_phase_b EMA", fixture, "final.ema.", trainer.ema().tensors());
            compare("litevae_phase_b discriminator", fixture, "final.disc.", StateDict.of(discriminator));
        }
    }

    /** The recipe the fixture names with the fixture's overrides merged into its tree ("model" replaced whole). */
    private static Recipe recipe(JsonNode meta) throws IOException {
        ObjectNode tree = (ObjectNode) Recipe.load(meta.get("recipe").asText()).toJson();
        merge(tree, (ObjectNode) meta.get("overrides"));
        return Recipe.fromTree(tree, meta.get("recipe").asText() + " with the fixture's overrides");
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

    /** The tiny discriminator of the fixture's {@code gigagan} entry (GigaGanConfig's fields). */
    private static GigaGanConfig gigagan(JsonNode c) {
        Set<Integer> attention = new HashSet<>();
        c.get("attentionResolutions").forEach(node -> attention.add(node.asInt()));
        return new GigaGanConfig(c.get("inChannels").asInt(), c.get("imageSize").asInt(), c.get("baseChannels").asInt(),
                c.get("maxChannels").asInt(), c.get("convBlocks").asInt(), c.get("predLayers").asInt(), attention,
                c.get("headDim").asInt(), c.get("attnResGain").asDouble());
    }

    /** The fixture's images laid out so that the trainer's shuffled first epoch visits them in stored order. */
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
            double allowed = Math.max(WEIGHTS, SPREAD_FACTOR * fixture.load("spread." + key).item_double());
            double diff = Fixtures.maxAbsDiff(fixture.load(key).to(ScalarType.Double), mine.to(ScalarType.Double));
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

    /** Fails unless |expected - actual| <= max(1e-4 max(|expected|, 1e-3), allowance); returns the relative diff. */
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
