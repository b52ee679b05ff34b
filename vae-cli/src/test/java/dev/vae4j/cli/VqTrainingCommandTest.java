package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae4j.core.model.VQModel;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae train} of a VQ model with taming's VQ-GAN objective ({@code vq-f4-small} on the synthetic images): every
 * log line has the quantizer loss, codebook usage and perplexity, the GAN term starts at the recipe's disc_start, and
 * the saved model reloads as a {@link VQModel}; a VQ objective on a continuous-latent model is refused in one line.
 */
class VqTrainingCommandTest {
    @Test
    void vqRecipeTrainsWithCodebookUsageInTheLog(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        CliTestSupport.Result result = CliTestSupport.run(
                "train",
                "--recipe",
                "vq-f4-small",
                "--steps",
                "40",
                "--log-every",
                "10",
                "--out",
                run.toString(),
                "--threads",
                "2");
        result.assertOk();
        List<JsonNode> steps = TrainCommandTest.metrics(run, "train");
        assertTrue(steps.size() >= 4, "log lines: " + steps.size());
        for (JsonNode step : steps) {
            for (String term : List.of("quant_loss", "usage", "perplexity", "nll", "d_weight")) {
                assertTrue(step.has(term) && Double.isFinite(step.get(term).asDouble()), term + " in " + step);
            }
            assertTrue(step.get("usage").asDouble() > 0 && step.get("usage").asDouble() <= 1, step.toString());
            assertTrue(
                    step.get("perplexity").asDouble() >= 1
                            && step.get("perplexity").asDouble() <= 128,
                    "" + step);
        }
        JsonNode last = steps.get(steps.size() - 1);
        assertEquals(1.0, last.get("disc_factor").asDouble(), 0.0, "GAN term on after disc_start 30");
        assertTrue(
                last.get("nll").asDouble() < steps.get(0).get("nll").asDouble(),
                "the reconstruction loss falls: " + steps.get(0).get("nll") + " -> " + last.get("nll"));
        try (TensorScope scope = new TensorScope()) {
            VQModel model = VQModel.fromPretrained(run.resolve("model"));
            assertEquals(128, model.config().numVqEmbeddings());
        }
    }

    @Test
    void vqObjectiveOnAContinuousModelIsRefusedInOneLine(@TempDir Path dir) throws IOException {
        Path recipe = dir.resolve("kl-with-vq-gan.yaml");
        Files.writeString(
                recipe,
                String.join(
                        "\n",
                        "name: kl-with-vq-gan",
                        "model:",
                        "  config: {block_out_channels: [8, 8], layers_per_block: 1, latent_channels: 4,",
                        "    norm_num_groups: 4, sample_size: 16,",
                        "    down_block_types: [DownEncoderBlock2D, DownEncoderBlock2D],",
                        "    up_block_types: [UpDecoderBlock2D, UpDecoderBlock2D]}",
                        "data: {image_size: 16, synthetic_count: 16}",
                        "train: {steps: 2, batch_size: 2, seed: 0,",
                        "  generator_optimizer: {type: adam, lr: 1.0e-3, beta1: 0.5, beta2: 0.9, eps: 1.0e-8}}",
                        "objective: {type: vq-gan, perceptual_weight: 0.0}",
                        "validation: {images: 2, every: 1}",
                        ""));
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        recipe.toString(),
                        "--out",
                        dir.resolve("run").toString())
                .assertOneLineError("vq-gan", "continuous latents");
    }
}
