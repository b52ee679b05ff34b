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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code linear-attention-f8c4} preset family (post-activation layout, weight-standardised convs, linear attention,
 * average/max pooling, nearest/bilinear/bicubic upsampling, tanh head) against stanipov/pytorch-diffusion's own
 * {@code src/models/vae.py} {@code VAE} at 705b007 ({@code tools/reference/gen_pytorch_diffusion.py}). fp32 on the CPU,
 * max |diff| <= 1e-4 (the Gaussian sample relative to its magnitude).
 */
@Tag("parity")
class PytorchDiffusionParityTest {
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"avg_nearest", "max_bicubic", "avg_bilinear"})
    void autoencoderMatchesVaePy(String name) {
        Path dir = Fixtures.dir("pytorch_diffusion/" + name);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            AutoencoderKL model = AutoencoderKL.fromPretrained(dir);
            Map<String, Tensor> expected = io.loadAll();
            DiagonalGaussian posterior = model.encode(expected.get("input"));
            assertClose(name + " posterior_mean", expected.get("posterior_mean"), posterior.mean(), TOLERANCE);
            assertClose(name + " posterior_logvar", expected.get("posterior_logvar"), posterior.logvar(), TOLERANCE);
            // Random weights give log-variances up to ~20 (std e^10), so the sample is compared relative to its size.
            Tensor scale = expected.get("sample").abs().add(new Scalar(1.0));
            assertClose(
                    name + " sample / (1 + |sample|)",
                    expected.get("sample").div(scale),
                    posterior.sample(expected.get("noise")).div(scale),
                    TOLERANCE);
            assertClose(name + " decoded", expected.get("decoded"), model.decode(expected.get("sample")), TOLERANCE);
        }
    }
}
