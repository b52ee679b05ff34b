package dev.vae4j.recipes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.discriminators.GigaGanConfig;
import dev.vae4j.discriminators.GigaGanDiscriminator;
import dev.vae4j.train.IntervalReport;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae train}'s {@link Trainer} with the {@code litevae-b-phase-b} recipe's objective (L1, KL 0.01, wavelet 1.0,
 * Gaussian 0.5, hinge GAN with the adaptive weight 0.5 from step 0), AdamW, warm-up, clipping and EMA follows the
 * PyTorch loop of {@code tools/reference/gen_trajectory_litevae.py}, whose model (LiteVAE encoder and SMC decoder),
 * posterior, GigaGAN discriminator and hinge losses are open-LiteVAE's own code: same initial weights, same batches in
 * the same order, same posterior noise, tiny widths, 32 px, 20 steps. Every logged term of every step agrees to 1e-4
 * relative, or to ten times PyTorch's own drift under other float kernels up to that step (the fixture's
 * {@code spread.*}; the adaptive weight, a ratio of gradient norms, drifts most); the final autoencoder, EMA and
 * discriminator tensors agree to 1e-4, or to ten times PyTorch's kernel spread for that tensor.
 */
@Tag("parity")
class LiteVaeTrajectoryParityTest {
    @Test
    void followsThePyTorchLoop(@TempDir Path runDir) throws IOException {
        torch.set_num_threads(1);
        try (SafetensorsReader fixture = SafetensorsReader.open(Fixtures.dir("training/litevae_phase_b.safetensors"));
                TensorScope scope = new TensorScope()) {
            JsonNode meta = new ObjectMapper().readTree(fixture.metadata().get("fixture"));
            Recipe recipe = TrajectoryFixture.recipe(meta.get("recipe").asText(), (ObjectNode) meta.get("overrides"));
            assertEquals("gigagan", recipe.discriminator().type());
            TrainConfig config = recipe.train().toBuilder().logEvery(1).build(); // the loss terms of every step
            TrainableAutoencoder model = Autoencoders.create(recipe.model().config());
            StateDict.load(model.module(), TrajectoryFixture.prefixed(fixture, "init.ae."), true, "init.ae");
            GigaGanDiscriminator discriminator = new GigaGanDiscriminator(gigagan(meta.get("gigagan")), config.seed());
            StateDict.load(discriminator, TrajectoryFixture.prefixed(fixture, "init.disc."), true, "init.disc");
            ObjectiveFactory.Objectives objectives = ObjectiveFactory.create(recipe, (Path) null);
            Trainer trainer = Trainer.builder(model, objectives.generator(), config, runDir)
                    .adversary(discriminator, objectives.discriminator())
                    .build();
            List<IntervalReport> logs = TrajectoryFixture.train(trainer, fixture, config);
            Set<String> seen = new HashSet<>();
            logs.forEach(report -> seen.addAll(report.terms().keySet()));
            assertTrue(
                    seen.containsAll(List.of(
                            "total",
                            "rec",
                            "kl",
                            "g",
                            "d_weight",
                            "wave",
                            "gauss",
                            "d_total",
                            "logits_real",
                            "logits_fake")),
                    "logged terms " + seen);
            TrajectoryFixture.checkSteps("litevae_phase_b", fixture, logs);
            TrajectoryFixture.compare(
                    "litevae_phase_b autoencoder", fixture, "final.ae.", StateDict.of(model.module()));
            TrajectoryFixture.compare(
                    "litevae_phase_b EMA", fixture, "final.ema.", trainer.ema().tensors());
            TrajectoryFixture.compare(
                    "litevae_phase_b discriminator", fixture, "final.disc.", StateDict.of(discriminator));
        }
    }

    /** The tiny discriminator of the fixture's {@code gigagan} entry (GigaGanConfig's fields). */
    private static GigaGanConfig gigagan(JsonNode c) {
        Set<Integer> attention = new HashSet<>();
        c.get("attentionResolutions").forEach(node -> attention.add(node.asInt()));
        return new GigaGanConfig(
                c.get("inChannels").asInt(),
                c.get("imageSize").asInt(),
                c.get("baseChannels").asInt(),
                c.get("maxChannels").asInt(),
                c.get("convBlocks").asInt(),
                c.get("predLayers").asInt(),
                attention,
                c.get("headDim").asInt(),
                c.get("attnResGain").asDouble());
    }
}
