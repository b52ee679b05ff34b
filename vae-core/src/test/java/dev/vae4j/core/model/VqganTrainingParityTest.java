package dev.vae4j.core.model;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.CheckpointLayout;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.nn.MultiHeadAttention2D;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@code vqgan-training-f8c16} preset family against cloneofsimo/vqgan-training's own {@code ae.py}
 * ({@code tools/reference/gen_vqgan_training.py}, HEAD 379fe36 and v0.2 521df37): the logvar-free encoder and the
 * decoder (ch 32, ch_mult 1,1, one block, z 4, GroupNorm(32), no mid attention), v0.2's multiplicative constant
 * variance {@code z * (1 + 0.1 * eps)} with the noise it drew, and HEAD's {@code AttnBlock(128)} (two heads of 64)
 * against {@link MultiHeadAttention2D}. fp32 on the CPU, max |diff| <= 1e-4.
 */
@Tag("parity")
class VqganTrainingParityTest {
    private static final double TOLERANCE = 1e-4;

    @Test
    void autoencoderMatchesAePy() {
        Path dir = Fixtures.dir("vqgan_training/ae");
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            AutoencoderKL model = AutoencoderKL.fromPretrained(dir);
            Map<String, Tensor> expected = io.loadAll();
            DiagonalGaussian posterior = model.encode(expected.get("input"));
            assertClose("ae.py latent", expected.get("latent"), posterior.mean(), TOLERANCE);
            assertClose(
                    "ae.py v0.2 constant-variance sample",
                    expected.get("sample"),
                    posterior.sample(expected.get("noise")),
                    TOLERANCE);
            assertClose("ae.py decoded", expected.get("decoded"), model.decode(expected.get("latent")), TOLERANCE);
        }
    }

    /**
     * The same weights under the names {@code vae_trainer.py} saves ({@code ae/trainer_keys.json}: DDP and
     * {@code torch.compile} prefixes), renamed by the detected layout, load strictly and give the same forward.
     */
    @Test
    void trainerSavedKeysLoadThroughTheDetectedLayout() throws IOException {
        Path dir = Fixtures.dir("vqgan_training/ae");
        Map<String, String> ours = new LinkedHashMap<>();
        new ObjectMapper()
                .readTree(dir.resolve("trainer_keys.json").toFile())
                .fields()
                .forEachRemaining(f -> ours.put(f.getKey(), f.getValue().get(0).asText()));
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader weights = SafetensorsReader.open(dir.resolve(AutoencoderKL.WEIGHTS_FILE));
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            TensorSource saved = new TensorSource() {
                @Override
                public List<String> names() {
                    return new ArrayList<>(ours.keySet());
                }

                @Override
                public long[] shape(String name) {
                    return weights.entry(ours.get(name)).shape();
                }

                @Override
                public Tensor load(String name) {
                    return weights.load(ours.get(name));
                }
            };
            CheckpointLayout layout = CheckpointLayout.detect(saved.names()).orElseThrow();
            assertEquals(CheckpointLayout.VQGAN_TRAINING, layout);
            AutoencoderKLConfig config = AutoencoderKLConfig.read(dir.resolve(AutoencoderKL.CONFIG_FILE));
            AutoencoderKL model = new AutoencoderKL(config);
            StateDict.load(model, layout.toVae4jNames(saved, config.levels()), true, "trainer_keys.json");
            Map<String, Tensor> expected = io.loadAll();
            assertClose(
                    "trainer-saved latent",
                    expected.get("latent"),
                    model.encode(expected.get("input")).mean(),
                    TOLERANCE);
            assertClose(
                    "trainer-saved decoded", expected.get("decoded"), model.decode(expected.get("latent")), TOLERANCE);
        }
    }

    @Test
    void multiHeadAttentionMatchesAttnBlock() {
        Path file = Fixtures.dir("vqgan_training/attn_block.safetensors");
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(file)) {
            Map<String, Tensor> tensors = io.loadAll();
            Map<String, Tensor> weights = new HashMap<>();
            tensors.forEach((name, t) -> {
                if (name.startsWith("weights.")) {
                    weights.put(name.substring("weights.".length()), t);
                }
            });
            MultiHeadAttention2D block = new MultiHeadAttention2D(128, 64, 32, 1e-6);
            StateDict.load(block, TensorSource.of(weights), true, "ae.py AttnBlock(128)");
            assertClose("ae.py AttnBlock(128)", tensors.get("output"), block.forward(tensors.get("input")), TOLERANCE);
        }
    }
}
