package dev.vae4j.dwt.loss;

import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.dwt.HaarDwt;
import dev.vae4j.dwt.SubbandOrder;
import java.util.Arrays;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * LiteVAE's wavelet loss: the Charbonnier penalty between the level-1 Haar detail sub-bands (H, V, D) of the image and
 * of its reconstruction, averaged over all detail coefficients. Coefficients are scaled by {@code coefficientScale}
 * first (1/2 by default, as the paper's {@code dwt(x, level=1) / 2}).
 *
 * <p>Penalty: {@code rho(d) = sqrt(d^2 + eps^2) - eps}. The {@code - eps} offset is constant (it changes no gradient)
 * and makes the loss exactly zero for identical images. LL is ignored, so any change that is constant within every 2x2
 * block leaves the loss unchanged. Inputs (N, C, H, W) with even H and W; output a scalar.
 */
public final class WaveletLoss {
    /** Default Charbonnier epsilon. */
    public static final double DEFAULT_EPS = 1e-3;
    /** Default coefficient scale (the paper's level-1 scaling). */
    public static final double DEFAULT_SCALE = 0.5;

    private final double eps;
    private final double coefficientScale;
    private final HaarDwt dwt = new HaarDwt(SubbandOrder.PYWT, false);

    /** eps 1e-3, coefficient scale 1/2. */
    public WaveletLoss() {
        this(DEFAULT_EPS, DEFAULT_SCALE);
    }

    /**
     * @param eps Charbonnier epsilon (> 0)
     * @param coefficientScale factor applied to the detail coefficients before the penalty (> 0)
     */
    public WaveletLoss(double eps, double coefficientScale) {
        if (!(eps > 0) || !(coefficientScale > 0)) {
            throw new IllegalArgumentException(
                    "wavelet loss needs eps > 0 and scale > 0, got " + eps + ", " + coefficientScale);
        }
        this.eps = eps;
        this.coefficientScale = coefficientScale;
    }

    /** The Charbonnier epsilon. */
    public double eps() {
        return eps;
    }

    /**
     * Scalar loss between {@code target} and {@code reconstruction}, both (N, C, H, W), H and W even.
     *
     * @throws IllegalArgumentException if the shapes differ or are not valid DWT inputs
     */
    public Tensor compute(Tensor target, Tensor reconstruction) {
        requireSameShape(target, reconstruction);
        Tensor d = HaarDwt.details(dwt.forward(reconstruction))
                .sub(HaarDwt.details(dwt.forward(target)))
                .mul(new Scalar(coefficientScale));
        return d.pow(new Scalar(2))
                .add(new Scalar(eps * eps))
                .sqrt()
                .sub(new Scalar(eps))
                .mean();
    }

    static void requireSameShape(Tensor a, Tensor b) {
        if (a.dim() != 4
                || !Arrays.equals(a.sizes().vec().get(), b.sizes().vec().get())) {
            throw new IllegalArgumentException("loss inputs must be (N, C, H, W) of one shape, got "
                    + Shapes.describe(a) + " and " + Shapes.describe(b));
        }
    }
}
