package dev.vae4j.core.quant;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link VectorQuantizer} against the reference code itself ({@code tools/reference/gen_quantizers.py}): taming's
 * {@code VectorQuantizer2} (legacy and fixed beta placement, remapping with each unknown-index policy,
 * {@code sane_index_shape} on and off) and stanipov/pytorch-diffusion's {@code VectorQuantizer} and
 * {@code VectorQuantizerEMA} (four training steps). Quantized output, loss, indices, perplexity, the input gradient of
 * sum(quantized * probe) + loss through the straight-through estimator, and the EMA state: fp32, max |diff| <= 1e-5.
 */
@Tag("parity")
class VectorQuantizerParityTest {
    private static final double TOLERANCE = 1e-5;
    private static final long CODES = 16;
    private static final long DIM = 4;
    private static final double BETA = 0.25;
    private static final long RANDOM_UNKNOWN_SEED = 2828;

    static Stream<Arguments> tamingCases() {
        return Stream.of(
                Arguments.of("taming_legacy", true, null, false),
                Arguments.of("taming_fixed_beta", false, null, true),
                Arguments.of("taming_remap_extra", true, UnknownIndex.extra(), true),
                Arguments.of("taming_remap_index", false, UnknownIndex.fixed(1), false),
                Arguments.of("taming_remap_random", true, UnknownIndex.random(), true));
    }

    @ParameterizedTest
    @MethodSource("tamingCases")
    void tamingVectorQuantizer2(String name, boolean legacy, UnknownIndex unknown, boolean saneIndexShape) {
        Path dir = Fixtures.dir("quantizers/" + name);
        try (TensorScope scope = new TensorScope();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            VectorQuantizerConfig.Builder config =
                    VectorQuantizerConfig.builder(CODES, DIM).beta(BETA).legacy(legacy);
            if (unknown != null) {
                config.remap(IndexRemap.fromNpy(dir.resolve("used.npy"), unknown))
                        .seed(RANDOM_UNKNOWN_SEED);
            }
            VectorQuantizer quantizer = load(new VectorQuantizer(config.build()), dir, Map.of());
            Map<String, Tensor> expected = io.loadAll();
            Quantization q = assertStep(name, quantizer, expected, 0);
            if (saneIndexShape) {
                assertArrayEquals(
                        expected.get("indices.0").sizes().vec().get(),
                        q.indices().sizes().vec().get());
            }
            assertClose(
                    name + " embedding_grad",
                    expected.get("embedding_grad.0"),
                    quantizer.codebook().grad(),
                    TOLERANCE);
            try (NoGradGuard noGrad = new NoGradGuard()) {
                assertClose(name + " codes", expected.get("codes.0"), quantizer.codes(q.indices()), TOLERANCE);
            }
        }
    }

    @Test
    void pytorchDiffusionVectorQuantizer() {
        String name = "pd_vector_quantizer";
        Path dir = Fixtures.dir("quantizers/" + name);
        try (TensorScope scope = new TensorScope();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            VectorQuantizer quantizer = load(
                    new VectorQuantizer(
                            VectorQuantizerConfig.builder(CODES, DIM).beta(BETA).build()),
                    dir,
                    Map.of("_embedding.weight", "embedding.weight"));
            Map<String, Tensor> expected = io.loadAll();
            assertStep(name, quantizer, expected, 0);
            assertClose(
                    name + " embedding_grad",
                    expected.get("embedding_grad.0"),
                    quantizer.codebook().grad(),
                    TOLERANCE);
        }
    }

    @Test
    void pytorchDiffusionVectorQuantizerEmaOverFourTrainingSteps() {
        String name = "pd_vector_quantizer_ema";
        Path dir = Fixtures.dir("quantizers/" + name);
        try (TensorScope scope = new TensorScope();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            VectorQuantizerConfig config = VectorQuantizerConfig.builder(CODES, DIM)
                    .beta(BETA)
                    .ema(new EmaUpdate(0.9, 1e-5))
                    .build();
            VectorQuantizer quantizer =
                    load(new VectorQuantizer(config), dir, Map.of("_embedding.weight", "embedding.weight"));
            quantizer.train(true);
            Map<String, Tensor> expected = io.loadAll();
            Map<String, Tensor> state = StateDict.of(quantizer);
            for (int s = 0; s < 4; s++) {
                try (TensorScope step = new TensorScope()) {
                    assertStep(name, quantizer, expected, s);
                    assertClose(
                            name + " ema_cluster_size." + s,
                            expected.get("ema_cluster_size." + s),
                            state.get("_ema_cluster_size"),
                            TOLERANCE);
                    assertClose(name + " ema_w." + s, expected.get("ema_w." + s), state.get("_ema_w"), TOLERANCE);
                    assertClose(
                            name + " embedding." + s, expected.get("embedding." + s), quantizer.codebook(), TOLERANCE);
                }
            }
        }
    }

    /** One forward and backward of sum(quantized * probe) + loss at step s, compared with the fixture. */
    private static Quantization assertStep(
            String name, VectorQuantizer quantizer, Map<String, Tensor> expected, int s) {
        Tensor input = expected.get("input." + s).clone().requires_grad_(true);
        Quantization q = quantizer.quantize(input);
        q.quantized().mul(expected.get("probe")).sum().add(q.loss()).backward();
        assertClose(name + " quantized." + s, expected.get("quantized." + s), q.quantized(), TOLERANCE);
        assertClose(name + " loss." + s, expected.get("loss." + s), q.loss(), TOLERANCE);
        assertClose(name + " grad." + s, expected.get("grad." + s), input.grad(), TOLERANCE);
        Tensor indices = expected.get("indices." + s);
        assertTrue(indices.reshape(-1).equal(q.indices().reshape(-1)), name + " indices." + s);
        assertEquals(
                expected.get("perplexity." + s).item_double(), q.usage().perplexity(), TOLERANCE, name + " perplexity");
        return q;
    }

    /** The fixture's weights.safetensors, with upstream names renamed, loaded strictly. */
    private static VectorQuantizer load(VectorQuantizer quantizer, Path dir, Map<String, String> renames) {
        try (SafetensorsReader weights = SafetensorsReader.open(dir.resolve("weights.safetensors"))) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            weights.loadAll().forEach((key, value) -> tensors.put(renames.getOrDefault(key, key), value));
            StateDict.load(quantizer, TensorSource.of(tensors), true, dir.toString());
        }
        return quantizer;
    }

    @Test
    void perplexityOfOneCodeIsOneAndOfUniformUseIsTheCodebookSize() {
        try (TensorScope scope = new TensorScope()) {
            Tensor one = org.bytedeco
                    .pytorch
                    .global
                    .torch
                    .zeros(2, 3, 4)
                    .to(org.bytedeco.pytorch.global.torch.ScalarType.Long);
            assertEquals(1.0, CodebookUsage.of(one, 16).perplexity(), 1e-9);
            assertEquals(1, CodebookUsage.of(one, 16).usedCodes());
            Tensor all =
                    org.bytedeco.pytorch.global.torch.arange(new Scalar(16)).view(1, 4, 4);
            assertEquals(16.0, CodebookUsage.of(all, 16).perplexity(), 1e-6);
            assertEquals(1.0, CodebookUsage.of(all, 16).usedFraction());
        }
    }
}
