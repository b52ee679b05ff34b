package dev.vae4j.core.model;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static dev.vae4j.core.testing.Fixtures.maxAbsDiff;
import static org.bytedeco.pytorch.global.torch.linalg_det;
import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.MemoryFormats;
import dev.vae4j.core.tensor.Precision;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.TestModels;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link InferenceOptions} on a tiny seeded model whose outputs are O(1) (|decoded| <= 1.5): autocast against float32
 * to max |diff| <= 0.1 for bf16 (8 mantissa bits, ~4e-3 relative error per op, compounded over ~15 convolutions;
 * measured 0.049) and <= 0.02 for fp16 (11 bits; measured 0.005), on posterior means and decoded images; channels-last
 * against contiguous to max |diff| <= 1e-5; and diffusers' {@code force_upcast} rule.
 */
@Tag("parity")
class InferenceOptionsTest {
    private static final Map<Precision, Double> TOLERANCE = Map.of(Precision.BF16, 0.1, Precision.FP16, 0.02);
    private static final double LAYOUT_TOLERANCE = 1e-5;

    private static AutoencoderKL model(boolean forceUpcast) {
        manual_seed(7);
        AutoencoderKL model = new AutoencoderKL(
                TestModels.autoencoderKL().forceUpcast(forceUpcast).build());
        model.eval();
        return model;
    }

    private static Tensor images() {
        manual_seed(11);
        return randn(2, 3, 32, 32).tanh();
    }

    @Test
    void lowPrecisionAutocastStaysCloseToFloat32() {
        try (TensorScope scope = new TensorScope();
                InferenceMode inference = new InferenceMode()) {
            AutoencoderKL model = model(false);
            Tensor x = images();
            Tensor mean = model.encode(x).mean();
            Tensor decoded = model.decode(mean);
            for (Precision precision : List.of(Precision.BF16, Precision.FP16)) {
                InferenceAutoencoder fast = new InferenceOptions(precision, false).apply(model);
                DiagonalGaussian posterior = fast.encode(x);
                Tensor fastDecoded = fast.decode(mean);
                assertEquals(ScalarType.Float.value, posterior.mean().scalar_type().value);
                assertEquals(ScalarType.Float.value, fastDecoded.scalar_type().value);
                assertClose(precision + " autocast mean", mean, posterior.mean(), TOLERANCE.get(precision));
                double decodeDiff =
                        assertClose(precision + " autocast decode", decoded, fastDecoded, TOLERANCE.get(precision));
                assertTrue(decodeDiff > 0, precision + " autocast changed nothing: was it applied?");
            }
        }
    }

    @Test
    void channelsLastEqualsContiguous() {
        try (TensorScope scope = new TensorScope();
                InferenceMode inference = new InferenceMode()) {
            AutoencoderKL model = model(false);
            Tensor x = images();
            Tensor mean = model.encode(x).mean();
            Tensor decoded = model.decode(mean);
            InferenceAutoencoder fast = new InferenceOptions(Precision.FP32, true).apply(model);
            assertTrue(MemoryFormats.isChannelsLast(model.decoder().convOut().weight()));
            Tensor fastDecoded = fast.decode(mean);
            assertTrue(fastDecoded.is_contiguous(MemoryFormat.Contiguous));
            assertClose("channels-last mean", mean, fast.encode(x).mean(), LAYOUT_TOLERANCE);
            assertClose("channels-last decode", decoded, fastDecoded, LAYOUT_TOLERANCE);
        }
    }

    @Test
    void forceUpcastRunsFp16AsFloat32ButNotBf16() {
        try (TensorScope scope = new TensorScope();
                InferenceMode inference = new InferenceMode()) {
            AutoencoderKL model = model(true);
            Tensor latents = model.encode(images()).mean();
            Tensor decoded = model.decode(latents);
            InferenceAutoencoder fp16 = new InferenceOptions(Precision.FP16, false).apply(model);
            assertEquals(Precision.FP32, fp16.effectivePrecision());
            assertEquals(0.0, maxAbsDiff(decoded, fp16.decode(latents)));
            InferenceAutoencoder bf16 = new InferenceOptions(Precision.BF16, false).apply(model);
            assertEquals(Precision.BF16, bf16.effectivePrecision());
            assertTrue(maxAbsDiff(decoded, bf16.decode(latents)) > 0);
        }
    }

    @Test
    void anOpWithoutAHalfKernelGivesAClearError() {
        try (TensorScope scope = new TensorScope();
                InferenceMode inference = new InferenceMode()) {
            InferenceOptions fp16 = new InferenceOptions(Precision.FP16, false);
            // CPU autocast leaves linalg_det to its input dtype, and LU has no Half kernel on the CPU.
            UnsupportedOperationException e = assertThrows(
                    UnsupportedOperationException.class,
                    () -> fp16.run(images(), false, t -> linalg_det(t.to(ScalarType.Half))));
            assertTrue(e.getMessage().contains("fp16 is not supported on CPU"), e.getMessage());
            assertTrue(e.getMessage().contains("use precision bf16 or fp32"), e.getMessage());
            RuntimeException other = new IllegalStateException("something else");
            assertEquals(other, InferenceOptions.unsupported(Precision.FP16, DeviceType.CPU, other));
        }
    }

    @Test
    void precisionNamesParse() {
        assertEquals(Precision.BF16, Precision.parse("BF16"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp8"));
        assertTrue(e.getMessage().contains("fp32, bf16 or fp16"), e.getMessage());
    }
}
