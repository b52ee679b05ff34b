package dev.vae4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.CheckpointLayout;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.quant.Quantization;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PytorchDiffusionVQModel} against stanipov/pytorch-diffusion's own {@code src/models/vq_vae.py} {@code VQModel}
 * at 705b007 ({@code tools/reference/gen_pytorch_diffusion_vq.py}): the upstream state dict ({@code vq.pt}) is detected
 * as {@link CheckpointLayout#PYTORCH_DIFFUSION_VQ}, loaded into the model its training config describes, saved as a
 * vae4j folder and reloaded through {@link Autoencoders#load}; then encode, quantized latents, indices (exactly),
 * quantizer loss, forward and decode are compared, and the straight-through gradients and the tanh-encoding variant.
 * fp32 on the CPU; both sides are divided by max(1, max |expected|) (relative for the latents, up to ~28 with random
 * weights, and the loss, ~127; absolute for the tanh-bounded images and the gradients). max |diff| <= 1e-5 for latents,
 * quantized latents, loss and gradients; <= 1e-4 for the decoded images (measured ~1.4e-5) and the tanh latents
 * (~1.5e-5), the tolerance of {@link PytorchDiffusionParityTest} for the same decoder: weight-standardised convs give
 * activations in the tens, whose float32 rounding reaches that near tanh's unit slope. The parameter count equals
 * upstream's exactly.
 */
@Tag("parity")
class PytorchDiffusionVQParityTest {
    private static final double TOLERANCE = 1e-5;
    /**
     * Tensors computed from activations in the tens (the decoder's, and tanh of the raw latents, whose slope near 0 is
     * 1 while the latents' float32 rounding reaches 2e-5): the tolerance of {@link PytorchDiffusionParityTest}.
     */
    private static final double COARSE_TOLERANCE = 1e-4;

    @TempDir
    Path tmp;

    @Test
    void convertedStateDictMatchesVqVaePy() {
        Path dir = Fixtures.dir("pytorch_diffusion_vq");
        Path pt = dir.resolve("vq.pt");
        assertEquals(CheckpointLayout.PYTORCH_DIFFUSION_VQ, CheckpointConverter.detectLayout(pt));
        PytorchDiffusionVQConfig config =
                PytorchDiffusionVQConfig.readTrainingConfig(dir.resolve("upstream_config.json"));
        Path folder = tmp.resolve("converted");
        try (TensorScope scope = new TensorScope()) {
            PytorchDiffusionVQModel upstream = new PytorchDiffusionVQModel(config);
            upstream.loadUpstreamWeights(pt, true);
            upstream.save(folder);
        }
        long expectedCount =
                ModelConfig.read(dir.resolve("counts.json")).fields("counts").integer("total");
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            PytorchDiffusionVQModel model = assertInstanceOf(PytorchDiffusionVQModel.class, Autoencoders.load(folder));
            model.eval();
            assertEquals(expectedCount, StateDict.parameterCount(model), "parameter count");
            Map<String, Tensor> expected = io.loadAll();
            Tensor latents = model.encodeLatents(expected.get("input"));
            assertScaled("vq latents", expected.get("latents"), latents, TOLERANCE);
            Quantization q = model.quantize(expected.get("latents"));
            assertScaled("vq quantized", expected.get("quantized"), q.quantized(), TOLERANCE);
            assertTrue(expected.get("indices").equal(q.indices().reshape(-1)), "indices differ");
            assertScaled("vq loss", expected.get("loss"), q.loss(), TOLERANCE);
            PytorchDiffusionVQModel.Output forward = model.forward(expected.get("input"));
            assertScaled("vq decoded", expected.get("decoded"), forward.decoded(), COARSE_TOLERANCE);
            assertTrue(
                    expected.get("indices")
                            .equal(forward.quantization().indices().reshape(-1)),
                    "forward indices");
            assertScaled(
                    "vq decoded_from_latents",
                    expected.get("decoded_from_latents"),
                    model.decode(expected.get("latents")),
                    COARSE_TOLERANCE);
            assertScaled(
                    "vq decodeIndices", expected.get("decoded"), model.decodeIndices(q.indices()), COARSE_TOLERANCE);
        }
    }

    /**
     * Straight-through gradients: of mean(decodeQuantized(z_q)^2) + loss with respect to the latents and the codebook,
     * as {@code straight_through_grads} of the generator computes them upstream.
     */
    @Test
    void straightThroughGradientsMatchVqVaePy() {
        Path dir = Fixtures.dir("pytorch_diffusion_vq");
        try (TensorScope scope = new TensorScope();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            PytorchDiffusionVQModel model = new PytorchDiffusionVQModel(
                    PytorchDiffusionVQConfig.readTrainingConfig(dir.resolve("upstream_config.json")));
            model.loadUpstreamWeights(dir.resolve("vq.pt"), true);
            Map<String, Tensor> expected = io.loadAll();
            Tensor latents = expected.get("latents").clone().requires_grad_(true);
            Quantization q = model.quantize(latents);
            model.decodeQuantized(q.quantized()).square().mean().add(q.loss()).backward();
            assertScaled("vq latents_grad", expected.get("latents_grad"), latents.grad(), TOLERANCE);
            assertScaled(
                    "vq codebook_grad",
                    expected.get("codebook_grad"),
                    model.vectorQuantizer().codebook().grad(),
                    TOLERANCE);
        }
    }

    /** {@code encode_tanh_out}: upstream {@code encode(x, True)} and {@code forward(x, True)}. */
    @Test
    void encodeTanhOutMatchesVqVaePy() {
        Path dir = Fixtures.dir("pytorch_diffusion_vq");
        PytorchDiffusionVQConfig plain =
                PytorchDiffusionVQConfig.readTrainingConfig(dir.resolve("upstream_config.json"));
        PytorchDiffusionVQConfig tanh = new PytorchDiffusionVQConfig(
                plain.backbone(), plain.numVqEmbeddings(), plain.vqEmbedDim(), plain.commitmentCost(), true);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            PytorchDiffusionVQModel model = new PytorchDiffusionVQModel(tanh);
            model.loadUpstreamWeights(dir.resolve("vq.pt"), true);
            Map<String, Tensor> expected = io.loadAll();
            assertScaled(
                    "vq latents_tanh",
                    expected.get("latents_tanh"),
                    model.encodeLatents(expected.get("input")),
                    COARSE_TOLERANCE);
            assertScaled(
                    "vq decoded_tanh",
                    expected.get("decoded_tanh"),
                    model.forward(expected.get("input")).decoded(),
                    COARSE_TOLERANCE);
        }
    }

    /** {@link Fixtures#assertClose} of both tensors divided by max(1, max |expected|). */
    private static void assertScaled(String label, Tensor expected, Tensor actual, double tolerance) {
        Scalar scale = new Scalar(Math.max(1.0, expected.abs().max().item_double()));
        Fixtures.assertClose(label + " / max(1, max|expected|)", expected.div(scale), actual.div(scale), tolerance);
    }
}
