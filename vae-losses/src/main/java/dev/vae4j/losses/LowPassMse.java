package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.conv2d;
import static org.bytedeco.pytorch.global.torch.fft_irfft2;
import static org.bytedeco.pytorch.global.torch.fft_rfft2;

import org.bytedeco.pytorch.StringViewOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * cloneofsimo/vqgan-training's "low-pass reconstruction loss": MSE between low-pass filtered images (N, C, H, W), a 0-d
 * tensor in squared image units. The filter has two parts, applied per channel:
 *
 * <ol>
 *   <li>truncation of high frequencies: every 2-D DFT component whose radial frequency {@code sqrt(fy^2 + fx^2)}
 *       (cycles per pixel, fy and fx in [-0.5, 0.5]) exceeds {@code cutoff} is zeroed ({@code rfft2}, mask,
 *       {@code irfft2});
 *   <li>a Laplacian-like smoothing kernel of odd size {@code k}: {@code x + L(x) / |L_centre|} where L is the
 *       original's Laplacian-like kernel (all ones, centre {@code -(#neighbours)}, corners 0 for k >= 5; the 5x5 case
 *       is exactly the original's {@code [[0,1,1,1,0],[1,1,1,1,1],[1,1,-20,1,1],...]}), normalised by its size, i.e.
 *       the mean of the neighbourhood; zero padding; {@code k = 1} skips it.
 * </ol>
 *
 * Because the truncation comes first, a perturbation made only of frequencies above the cut-off changes the loss by
 * nothing (up to float rounding).
 */
public final class LowPassMse {
    private final int kernel;
    private final double cutoff;

    /**
     * @param kernel odd smoothing kernel size >= 1 (1: no smoothing; the original uses 5)
     * @param cutoff radial cut-off in cycles per pixel, in (0, 0.5 * sqrt(2)]; the maximum keeps every frequency
     */
    public LowPassMse(int kernel, double cutoff) {
        if (kernel < 1 || kernel % 2 == 0) {
            throw new IllegalArgumentException("low-pass kernel must be odd and >= 1, got " + kernel);
        }
        if (!(cutoff > 0) || cutoff > 0.5 * Math.sqrt(2) + 1e-12) {
            throw new IllegalArgumentException("low-pass cut-off must be in (0, 0.707] cycles/pixel, got " + cutoff);
        }
        this.kernel = kernel;
        this.cutoff = cutoff;
    }

    /** The smoothing kernel size. */
    public int kernel() {
        return kernel;
    }

    /** The cut-off frequency in cycles per pixel. */
    public double cutoff() {
        return cutoff;
    }

    /** The low-pass MSE of two same-shape images, 0-d. */
    public Tensor loss(Tensor x, Tensor y) {
        ImageChecks.requirePair(x, y, "low-pass MSE");
        return PixelDistance.L2.elementwise(lowPass(x), lowPass(y)).mean();
    }

    /** The filtered image, same shape as {@code x} (N, C, H, W). */
    public Tensor lowPass(Tensor x) {
        ImageChecks.requireImage(x, "low-pass filter");
        long h = x.size(2);
        long w = x.size(3);
        Tensor spectrum = fft_rfft2(x);
        Tensor kept = spectrum.mul(frequencyMask(h, w).to(x.device(), x.scalar_type()));
        Tensor filtered = fft_irfft2(kept, new long[] {h, w}, new long[] {-2, -1}, new StringViewOptional());
        if (kernel == 1) {
            return filtered;
        }
        long c = x.size(1);
        Tensor k = smoothingKernel(kernel)
                .to(x.device(), x.scalar_type())
                .expand(c, 1, kernel, kernel)
                .contiguous();
        return conv2d(
                filtered,
                k,
                new TensorOptional(),
                new long[] {1, 1},
                new long[] {kernel / 2, kernel / 2},
                new long[] {1, 1},
                c);
    }

    /** 1 where the rfft2 bin (H, W/2 + 1) has radial frequency &lt;= cutoff, else 0. */
    private Tensor frequencyMask(long h, long w) {
        int cols = (int) (w / 2 + 1);
        float[] mask = new float[(int) h * cols];
        for (int i = 0; i < h; i++) {
            double fy = Math.min(i, h - i) / (double) h;
            for (int j = 0; j < cols; j++) {
                double fx = j / (double) w;
                mask[i * cols + j] = Math.sqrt(fy * fy + fx * fx) <= cutoff + 1e-12 ? 1f : 0f;
            }
        }
        return torch.tensor(mask).view(1, 1, h, cols);
    }

    /** The normalised neighbourhood-mean kernel (1, 1, k, k): x + L(x)/|centre| of the Laplacian-like L. */
    static Tensor smoothingKernel(int k) {
        float[] weights = new float[k * k];
        int count = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                boolean centre = i == k / 2 && j == k / 2;
                boolean corner = k >= 5 && (i == 0 || i == k - 1) && (j == 0 || j == k - 1);
                if (!centre && !corner) {
                    weights[i * k + j] = 1f;
                    count++;
                }
            }
        }
        for (int i = 0; i < weights.length; i++) {
            weights[i] /= count;
        }
        return torch.tensor(weights).view(1, 1, k, k);
    }
}
