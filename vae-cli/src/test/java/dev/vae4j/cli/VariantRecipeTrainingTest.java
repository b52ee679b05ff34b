package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae4j.core.model.ArchitectureOptions;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny end-to-end training of the upstream architecture variants ({@code variants-micro} recipe: post-activation
 * layout, max pooling, bilinear upsampling, WS convs, linear and multi-head attention, tanh, multiplicative constant
 * variance): every step's loss is finite, held-out PSNR rises, and the saved model reloads with its options.
 */
class VariantRecipeTrainingTest {
    @Test
    void variantModelTrainsAndReloads(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        TrainCommandTest.testRecipe("variants-micro"),
                        "--out",
                        run.toString(),
                        "--threads",
                        "2")
                .assertOk();
        for (JsonNode step : TrainCommandTest.metrics(run, "train")) {
            step.fields().forEachRemaining(field -> {
                if (field.getValue().isNumber()) {
                    assertTrue(Double.isFinite(field.getValue().asDouble()), field.getKey() + " at " + step);
                }
            });
        }
        List<JsonNode> validation = TrainCommandTest.metrics(run, "validation");
        double before = validation.get(0).get("psnr").asDouble();
        double after = validation.get(validation.size() - 1).get("psnr").asDouble();
        assertTrue(after > before + 0.5, "PSNR " + before + " -> " + after);
        try (TensorScope scope = new TensorScope()) {
            AutoencoderKL model = AutoencoderKL.fromPretrained(run.resolve("model"));
            assertEquals(
                    ArchitectureOptions.LatentSampling.MULTIPLICATIVE,
                    model.config().options().latentSampling());
            assertEquals(
                    ArchitectureOptions.BlockLayout.POST_ACTIVATION,
                    model.config().options().blockLayout());
        }
    }
}
