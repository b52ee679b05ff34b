package dev.vae4j.dwt.loss;

import static org.bytedeco.pytorch.global.torch.upsample_nearest2d;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.dwt.TestTensors;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/** The wavelet and Gaussian high-frequency losses: zero where they should be, blind to what they ignore. */
class LossProperties {
    private final WaveletLoss wavelet = new WaveletLoss();
    private final GaussianHighFrequencyLoss gaussian = new GaussianHighFrequencyLoss();

    @Property(tries = 25)
    void bothAreZeroForIdenticalImages(
            @ForAll @IntRange(min = 1, max = 3) int c,
            @ForAll @IntRange(min = 3, max = 8) int half,
            @ForAll long seed) {
        try (TensorScope scope = new TensorScope()) {
            Tensor x = TestTensors.randnFloat(seed, 2, c, 2L * half, 2L * half + 2);
            assertEquals(0.0, wavelet.compute(x, x.clone()).item_double(), 1e-12);
            assertEquals(0.0, gaussian.compute(x, x.clone()).item_double(), 1e-12);
        }
    }

    @Property(tries = 25)
    void waveletLossIgnoresChangesConstantOnTwoByTwoBlocks(
            @ForAll @IntRange(min = 2, max = 6) int half, @ForAll long seed) {
        try (TensorScope scope = new TensorScope()) {
            Tensor x = TestTensors.randnDouble(seed, 1, 3, 2L * half, 2L * half);
            Tensor y = TestTensors.randnDouble(seed + 1, 1, 3, 2L * half, 2L * half);
            // a low-resolution image repeated 2x2 only moves LL
            Tensor blocky =
                    upsample_nearest2d(TestTensors.randnDouble(seed + 2, 1, 3, half, half), 2L * half, 2L * half);
            double base = wavelet.compute(x, y).item_double();
            double shifted = wavelet.compute(x, y.add(blocky)).item_double();
            assertEquals(base, shifted, 1e-9 * Math.max(1, base));
            assertTrue(wavelet.compute(x, x.add(TestTensors.randnDouble(seed + 3, 1, 3, 2L * half, 2L * half)))
                            .item_double()
                    > 0);
        }
    }

    @Property(tries = 25)
    void gaussianLossIgnoresConstantOffsets(
            @ForAll @IntRange(min = 3, max = 12) int side,
            @ForAll @IntRange(min = -20, max = 20) int offset10,
            @ForAll long seed) {
        try (TensorScope scope = new TensorScope()) {
            Tensor x = TestTensors.randnDouble(seed, 2, 3, side, side + 1);
            Tensor y = TestTensors.randnDouble(seed + 1, 2, 3, side, side + 1);
            double base = gaussian.compute(x, y).item_double();
            double shifted =
                    gaussian.compute(x, y.add(new Scalar(offset10 / 10.0))).item_double();
            assertEquals(base, shifted, 1e-9 * Math.max(1, base));
            assertTrue(base > 0);
        }
    }

    @Example
    void gaussianBlurKeepsConstantsAndItsTapsMatchTorchvision() {
        try (TensorScope scope = new TensorScope()) {
            Tensor ones =
                    TestTensors.randnFloat(1, 1, 2, 6, 6).mul(new Scalar(0)).add(new Scalar(0.7));
            assertEquals(0.0, gaussian.highPass(ones).abs().max().item_double(), 1e-6);
            // torchvision GaussianBlur(5, sigma=1) on a centred impulse: centre tap (0.40262)^2
            Tensor impulse = TestTensors.randnFloat(1, 1, 1, 9, 9).mul(new Scalar(0));
            impulse.narrow(2, 4, 1).narrow(3, 4, 1).fill_(new Scalar(1.0));
            Tensor blurred = gaussian.blur(impulse);
            double centre = Math.exp(0) / (1 + 2 * Math.exp(-0.5) + 2 * Math.exp(-2));
            assertEquals(
                    centre * centre, blurred.narrow(2, 4, 1).narrow(3, 4, 1).item_double(), 1e-6);
            assertEquals(1.0, blurred.sum().item_double(), 1e-5);
        }
    }

    @Example
    void waveletEpsIsConfigurableAndLossMatchesHandFormula() {
        try (TensorScope scope = new TensorScope()) {
            // a single 2x2 block: target 0, reconstruction [[1, 0], [0, 0]] -> H = V = D = 1/2, scaled 1/4 each
            Tensor target = TestTensors.randnDouble(1, 1, 1, 2, 2).mul(new Scalar(0));
            Tensor recon = target.clone();
            recon.narrow(2, 0, 1).narrow(3, 0, 1).fill_(new Scalar(1.0));
            double eps = 0.1;
            double expected = Math.sqrt(0.25 * 0.25 + eps * eps) - eps;
            assertEquals(
                    expected, new WaveletLoss(eps, 0.5).compute(target, recon).item_double(), 1e-12);
            assertThrows(IllegalArgumentException.class, () -> new WaveletLoss(0, 0.5));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> wavelet.compute(target, TestTensors.randnDouble(1, 1, 1, 4, 2)));
        }
    }
}
