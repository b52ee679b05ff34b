package dev.vae4j.train.metrics;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * PSNR against skimage and SSIM against pytorch-msssim (valid border) and torchmetrics >= 1.5 (reflect-padded), from
 * {@code tools/reference/gen_metrics.py}; tolerance 1e-5 absolute (dB for PSNR).
 */
@Tag("parity")
class MetricsParityTest {
    private static final double TOLERANCE = 1e-5;

    private static SafetensorsReader fixture() {
        return SafetensorsReader.open(Fixtures.dir("metrics").resolve("metrics_io.safetensors"));
    }

    @Test
    void psnrMatchesSkimage() {
        try (TensorScope scope = new TensorScope();
                SafetensorsReader io = fixture()) {
            assertClose(
                    "psnr vs skimage", io.load("psnr_skimage"), Psnr.perImage(io.load("a"), io.load("b")), TOLERANCE);
            assertClose(
                    "psnr gray vs skimage",
                    io.load("psnr_gray"),
                    Psnr.perImage(io.load("gray_a"), io.load("gray_b")),
                    TOLERANCE);
            double mean = io.load("psnr_skimage").mean().item_double();
            assertEquals(mean, Psnr.mean(io.load("a"), io.load("b")), TOLERANCE);
        }
    }

    @Test
    void ssimMatchesPytorchMsssim() {
        try (TensorScope scope = new TensorScope();
                SafetensorsReader io = fixture()) {
            assertClose(
                    "ssim vs pytorch-msssim",
                    io.load("ssim_msssim"),
                    Ssim.perImage(io.load("a"), io.load("b")),
                    TOLERANCE);
            assertClose(
                    "ssim vs skimage gaussian",
                    io.load("ssim_skimage"),
                    Ssim.perImage(io.load("a"), io.load("b")),
                    TOLERANCE);
            assertClose(
                    "ssim gray vs pytorch-msssim",
                    io.load("ssim_gray"),
                    Ssim.perImage(io.load("gray_a"), io.load("gray_b")),
                    TOLERANCE);
        }
    }

    @Test
    void paddedSsimMatchesTorchmetrics() {
        try (TensorScope scope = new TensorScope();
                SafetensorsReader io = fixture()) {
            assertClose(
                    "ssim padded vs torchmetrics",
                    io.load("ssim_tm_padded"),
                    Ssim.perImage(io.load("a"), io.load("b"), Ssim.Border.REFLECT_PADDED),
                    TOLERANCE);
        }
    }

    @Test
    void identicalImagesGiveInfinitePsnrAndUnitSsim() {
        try (TensorScope scope = new TensorScope()) {
            Tensor a = torch.rand(2, 3, 16, 16)
                    .mul(new org.bytedeco.pytorch.Scalar(2))
                    .sub(new org.bytedeco.pytorch.Scalar(1));
            assertTrue(Double.isInfinite(Psnr.mean(a, a)));
            assertEquals(1.0, Ssim.mean(a, a), 1e-12);
        }
    }

    @Test
    void smallOrMismatchedImagesAreRejected() {
        try (TensorScope scope = new TensorScope()) {
            Tensor small = torch.zeros(1, 3, 10, 16);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ssim.mean(small, small));
            assertTrue(e.getMessage().contains("11x11"), e.getMessage());
            assertThrows(
                    IllegalArgumentException.class,
                    () -> Psnr.mean(torch.zeros(1, 3, 16, 16), torch.zeros(1, 3, 16, 8)));
        }
    }
}
