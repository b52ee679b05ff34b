package dev.vae4j.dwt.loss;

import static org.bytedeco.pytorch.global.torch.conv2d;
import static org.bytedeco.pytorch.global.torch.l1_loss;
import static org.bytedeco.pytorch.global.torch.reflection_pad2d;
import static org.bytedeco.pytorch.global.torch.tensor;

import dev.vae4j.core.tensor.Shapes;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.pytorch.DoubleArrayRef;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * LiteVAE's Gaussian high-frequency loss: mean L1 between {@code x - blur(x)} and {@code x̂ - blur(x̂)}, with
 * {@code blur} torchvision's {@code GaussianBlur(kernel_size, sigma)}: a separable normalised Gaussian (taps exp(-n^2 /
 * (2 sigma^2)), n in [-(k-1)/2, (k-1)/2]) applied per channel with reflect padding. Defaults 5x5, sigma 1 (RT4KSR, the
 * paper's source of the term). Adding a constant to an image changes nothing. Inputs (N, C, H, W) with H, W > k/2;
 * output a scalar.
 */
public final class GaussianHighFrequencyLoss {
    private final int kernelSize;
    private final double sigma;
    private final double[] taps;

    /** 5x5, sigma 1. */
    public GaussianHighFrequencyLoss() {
        this(5, 1.0);
    }

    /**
     * @param kernelSize odd kernel side (>= 3)
     * @param sigma Gaussian standard deviation in pixels (> 0)
     */
    public GaussianHighFrequencyLoss(int kernelSize, double sigma) {
        if (kernelSize < 3 || kernelSize % 2 == 0 || !(sigma > 0)) {
            throw new IllegalArgumentException(
                    "Gaussian loss needs an odd kernel >= 3 and sigma > 0, got " + kernelSize + ", " + sigma);
        }
        this.kernelSize = kernelSize;
        this.sigma = sigma;
        taps = new double[kernelSize];
        double sum = 0;
        double[] raw = new double[kernelSize];
        for (int i = 0; i < kernelSize; i++) {
            double n = i - (kernelSize - 1) / 2.0;
            raw[i] = Math.exp(-0.5 * (n / sigma) * (n / sigma));
            sum += raw[i];
        }
        for (int i = 0; i < kernelSize; i++) {
            taps[i] = raw[i] / sum;
        }
    }

    /** {@code blur(x)}: (N, C, H, W) -> (N, C, H, W). */
    public Tensor blur(Tensor x) {
        long half = kernelSize / 2;
        if (x.dim() != 4 || x.size(2) <= half || x.size(3) <= half) {
            throw new IllegalArgumentException("Gaussian blur (kernel " + kernelSize + ") needs (N, C, H, W) with"
                    + " H, W > " + half + ", got " + Shapes.describe(x));
        }
        long c = x.size(1);
        DoublePointer values = new DoublePointer(taps);
        Tensor k1 = tensor(new DoubleArrayRef(values, taps.length), new TensorOptions(ScalarType.Double))
                .to(x.device(), x.scalar_type());
        Tensor kernel = k1.view(kernelSize, 1)
                .mul(k1.view(1, kernelSize))
                .expand(c, 1, kernelSize, kernelSize)
                .contiguous();
        Tensor padded = reflection_pad2d(x, half, half, half, half);
        return conv2d(padded, kernel, new TensorOptional(), new long[] {1, 1}, new long[] {0, 0}, new long[] {1, 1}, c);
    }

    /** {@code x - blur(x)}. */
    public Tensor highPass(Tensor x) {
        return x.sub(blur(x));
    }

    /**
     * Scalar mean L1 between the high-pass parts of {@code target} and {@code reconstruction}.
     *
     * @throws IllegalArgumentException if the shapes differ or are too small for the kernel
     */
    public Tensor compute(Tensor target, Tensor reconstruction) {
        WaveletLoss.requireSameShape(target, reconstruction);
        return l1_loss(highPass(reconstruction), highPass(target));
    }

    /** Kernel side. */
    public int kernelSize() {
        return kernelSize;
    }

    /** Gaussian sigma. */
    public double sigma() {
        return sigma;
    }
}
