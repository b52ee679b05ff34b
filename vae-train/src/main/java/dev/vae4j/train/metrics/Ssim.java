package dev.vae4j.train.metrics;

import static org.bytedeco.pytorch.global.torch.conv2d;
import static org.bytedeco.pytorch.global.torch.reflection_pad2d;
import static org.bytedeco.pytorch.global.torch.tensor;

import dev.vae4j.core.tensor.Shapes;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Structural similarity after Wang et al. 2004: images (N, C, H, W) in [-1, 1] mapped to [0, 1] (data range 1), an
 * 11-tap Gaussian window with sigma 1.5 applied separably per channel, K1 = 0.01, K2 = 0.03, population (biased) local
 * statistics, computed in float64. {@link Border#VALID} (the default) is pytorch-msssim's {@code ssim} (convolution
 * without padding, map (H-10) x (W-10), averaged per channel then over channels), equal to skimage with
 * {@code gaussian_weights=True, use_sample_covariance=False}. {@link Border#REFLECT_PADDED} is torchmetrics' (>= 1.5)
 * variant: inputs reflect-padded by 5, local variances clamped at 0, the full H x W map averaged. Sides must be at
 * least 11 pixels.
 */
public final class Ssim {
    private static final int WINDOW = 11;
    private static final int PAD = WINDOW / 2;
    private static final double SIGMA = 1.5;
    private static final double C1 = 0.01 * 0.01;
    private static final double C2 = 0.03 * 0.03;

    /** How the window treats the image border. */
    public enum Border {
        /** No padding; the map covers the (H-10) x (W-10) positions where the window fits (pytorch-msssim). */
        VALID,
        /** Reflect padding by 5; the map covers all H x W positions (torchmetrics >= 1.5). */
        REFLECT_PADDED
    }

    private Ssim() {}

    /** SSIM of each image pair with the {@link Border#VALID} border, shape (N), float64, in [-1, 1]. */
    public static Tensor perImage(Tensor reference, Tensor test) {
        return perImage(reference, test, Border.VALID);
    }

    /** SSIM of each image pair, shape (N), float64, in [-1, 1]. */
    public static Tensor perImage(Tensor reference, Tensor test, Border border) {
        Shapes.requireSameShape(reference, test, "SSIM");
        if (reference.dim() != 4 || reference.size(2) < WINDOW || reference.size(3) < WINDOW) {
            throw new IllegalArgumentException("SSIM needs (N, C, H, W) images of at least " + WINDOW + "x" + WINDOW
                    + ", got " + Shapes.describe(reference));
        }
        Tensor x = reference.to(ScalarType.Double).add(new Scalar(1)).div(new Scalar(2));
        Tensor y = test.to(ScalarType.Double).add(new Scalar(1)).div(new Scalar(2));
        boolean padded = border == Border.REFLECT_PADDED;
        if (padded) {
            long[] pad = {PAD, PAD, PAD, PAD};
            x = reflection_pad2d(x, pad);
            y = reflection_pad2d(y, pad);
        }
        long channels = x.size(1);
        Tensor window = gaussian().to(x.device(), ScalarType.Double);
        Tensor muX = blur(x, window, channels);
        Tensor muY = blur(y, window, channels);
        Tensor muX2 = muX.mul(muX);
        Tensor muY2 = muY.mul(muY);
        Tensor muXY = muX.mul(muY);
        Tensor sigmaX2 = blur(x.mul(x), window, channels).sub(muX2);
        Tensor sigmaY2 = blur(y.mul(y), window, channels).sub(muY2);
        Tensor sigmaXY = blur(x.mul(y), window, channels).sub(muXY);
        if (padded) {
            sigmaX2 = sigmaX2.clamp_min(new Scalar(0.0));
            sigmaY2 = sigmaY2.clamp_min(new Scalar(0.0));
        }
        Tensor contrast = sigmaXY.mul(new Scalar(2))
                .add(new Scalar(C2))
                .div(sigmaX2.add(sigmaY2).add(new Scalar(C2)));
        Tensor luminance =
                muXY.mul(new Scalar(2)).add(new Scalar(C1)).div(muX2.add(muY2).add(new Scalar(C1)));
        return luminance.mul(contrast).mean(new long[] {1, 2, 3});
    }

    /** Mean SSIM over the batch ({@link Border#VALID}). */
    public static double mean(Tensor reference, Tensor test) {
        return perImage(reference, test).mean().item_double();
    }

    /** The normalised 1-D Gaussian window, (WINDOW), rounded to float32 as pytorch-msssim builds it. */
    private static Tensor gaussian() {
        double[] weights = new double[WINDOW];
        double sum = 0;
        for (int i = 0; i < WINDOW; i++) {
            double d = i - WINDOW / 2;
            weights[i] = Math.exp(-(d * d) / (2 * SIGMA * SIGMA));
            sum += weights[i];
        }
        float[] normalised = new float[WINDOW];
        for (int i = 0; i < WINDOW; i++) {
            normalised[i] = (float) (weights[i] / sum);
        }
        return tensor(normalised);
    }

    /** Valid separable Gaussian filtering of each channel: (N, C, H, W) -> (N, C, H-10, W-10). */
    private static Tensor blur(Tensor x, Tensor window, long channels) {
        Tensor vertical =
                window.view(1, 1, WINDOW, 1).expand(channels, 1, WINDOW, 1).contiguous();
        Tensor horizontal =
                window.view(1, 1, 1, WINDOW).expand(channels, 1, 1, WINDOW).contiguous();
        Tensor h = conv2d(
                x, vertical, new TensorOptional(), new long[] {1, 1}, new long[] {0, 0}, new long[] {1, 1}, channels);
        return conv2d(
                h, horizontal, new TensorOptional(), new long[] {1, 1}, new long[] {0, 0}, new long[] {1, 1}, channels);
    }
}
