package dev.vae4j.core.model;

import static dev.vae4j.core.testing.Fixtures.assertClose;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.nn.MultiHeadAttention2D;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.HashMap;
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
