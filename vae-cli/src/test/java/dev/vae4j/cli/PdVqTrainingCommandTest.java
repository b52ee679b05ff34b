package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae4j.core.model.PytorchDiffusionVQModel;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae train} with a copy of the built-in {@code pd-vq-f8} recipe at tiny widths (4/8/8/8, 32 codes, 32 px
 * synthetic images, fp32, no LPIPS): every step logs the quantizer loss, codebook usage and perplexity, the
 * discriminator trains from the first step, the generator's GAN term is computed and added from step 2 on (upstream's
 * {@code global_step > disc_start} with disc_start 0), and the saved model reloads as a
 * {@link PytorchDiffusionVQModel}.
 */
class PdVqTrainingCommandTest {
    private static final Map<String, String> TINY = Map.of(
            "block_out_channels: [8, 16, 32, 64]", "block_out_channels: [4, 8, 8, 8]",
            "attention_head_dim: 16", "attention_head_dim: 4",
            "norm_num_groups: 4", "norm_num_groups: 2",
            "layers_per_block: 2", "layers_per_block: 1",
            "sample_size: 512", "sample_size: 32",
            "num_vq_embeddings: 256", "num_vq_embeddings: 32",
            "image_size: 512", "image_size: 32\n  synthetic_count: 32",
            "batch_size: 8", "batch_size: 4",
            "precision: bf16", "precision: fp32",
            "perceptual_weight: 1.0", "perceptual_weight: 0.0");

    @Test
    void pdVqRecipeTrainsWithCodebookUsageAndTheGanTermAfterTheFirstStep(@TempDir Path dir) throws IOException {
        String text;
        try (InputStream in = PdVqTrainingCommandTest.class.getResourceAsStream("/recipes/pd-vq-f8.yaml")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (Map.Entry<String, String> change : TINY.entrySet()) {
            assertTrue(text.contains(change.getKey()), "pd-vq-f8 has " + change.getKey());
            text = text.replace(change.getKey(), change.getValue());
        }
        Path recipe = Files.writeString(dir.resolve("pd-vq-tiny.yaml"), text);
        Path run = dir.resolve("run");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        recipe.toString(),
                        "--steps",
                        "6",
                        "--log-every",
                        "1",
                        "--out",
                        run.toString(),
                        "--threads",
                        "2")
                .assertOk();
        List<JsonNode> steps = TrainCommandTest.metrics(run, "train");
        assertEquals(6, steps.size(), "log lines");
        for (JsonNode step : steps) {
            for (String term : List.of("quant_loss", "usage", "perplexity", "rec", "disc", "logits_real")) {
                assertTrue(step.has(term) && Double.isFinite(step.get(term).asDouble()), term + " in " + step);
            }
            double usage = step.get("usage").asDouble();
            double perplexity = step.get("perplexity").asDouble();
            assertTrue(usage > 0 && usage <= 1, step.toString());
            assertTrue(perplexity >= 1 && perplexity <= 32, step.toString());
            boolean ganOn = step.get("step").asLong() > 1;
            assertEquals(ganOn ? 1.0 : 0.0, step.get("disc_factor").asDouble(), 0.0, step.toString());
            assertEquals(ganOn, step.get("d_weight").asDouble() > 0, step.toString());
        }
        try (TensorScope scope = new TensorScope()) {
            PytorchDiffusionVQModel model = PytorchDiffusionVQModel.fromPretrained(run.resolve("model"));
            assertEquals(32, model.config().numVqEmbeddings());
        }
    }
}
