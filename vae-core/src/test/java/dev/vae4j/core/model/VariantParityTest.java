package dev.vae4j.core.model;

import static dev.vae4j.core.testing.Fixtures.assertClose;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * the upstream architecture variants against reference modules that follow upstream code
 * ({@code tools/reference/gen_variants.py}): cloneofsimo/vqgan-training's multi-head mid attention, logvar-free encoder
 * and multiplicative constant variance; stanipov/pytorch-diffusion's post-activation layout with weight-standardised
 * convs, linear attention, average/max pooling, nearest/bilinear/bicubic upsampling and the tanh head. fp32 on the CPU,
 * max |diff| <= 1e-4 (the Gaussian sample relative to its magnitude).
 */
class VariantParityTest {
    private static final double TOLERANCE = 1e-4;

    @Test
    void multiHeadAttentionAndMultiplicativeNoise() {
        String name = "multihead_multiplicative";
        Path dir = Fixtures.dir("variants/" + name);
        try (TensorScope scope = new TensorScope(); NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            AutoencoderKL model = AutoencoderKL.fromPretrained(dir);
            Map<String, Tensor> expected = io.loadAll();
            DiagonalGaussian posterior = model.encode(expected.get("input"));
            assertClose(name + " latent", expected.get("latent"), posterior.mean(), TOLERANCE);
            Tensor sample = posterior.sample(expected.get("noise"));
            assertClose(name + " sample", expected.get("sample"), sample, TOLERANCE);
            assertClose(name + " decoded", expected.get("decoded"), model.decode(expected.get("sample")), TOLERANCE);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"post_activation_avg_nearest", "post_activation_max_bicubic",
        "post_activation_avg_bilinear"})
    void postActivationLayoutVariants(String name) {
        Path dir = Fixtures.dir("variants/" + name);
        try (TensorScope scope = new TensorScope(); NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            AutoencoderKL model = AutoencoderKL.fromPretrained(dir);
            Map<String, Tensor> expected = io.loadAll();
            DiagonalGaussian posterior = model.encode(expected.get("input"));
            assertClose(name + " posterior_mean", expected.get("posterior_mean"), posterior.mean(), TOLERANCE);
            assertClose(name + " posterior_logvar", expected.get("posterior_logvar"), posterior.logvar(), TOLERANCE);
            // Random weights give log-variances up to ~20 (std e^10), so the sample is compared relative to its size.
            Tensor scale = expected.get("sample").abs().add(new Scalar(1.0));
            assertClose(name + " sample / (1 + |sample|)", expected.get("sample").div(scale),
                    posterior.sample(expected.get("noise")).div(scale), TOLERANCE);
            assertClose(name + " decoded", expected.get("decoded"), model.decode(expected.get("sample")), TOLERANCE);
        }
    }
}
