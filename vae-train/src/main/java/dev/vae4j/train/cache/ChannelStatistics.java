package dev.vae4j.train.cache;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Per-channel mean and standard deviation over many latents (L, h, w) of any spatial sizes, accumulated in float64:
 * each latent's per-channel mean and sum of squared deviations are combined into the running ones with Chan et al.'s
 * parallel update, so the result does not depend on how the latents are grouped. The standard deviation is
 * Bessel-corrected, as {@code torch.Tensor.std} (which LightningDiT's latent statistics use).
 */
final class ChannelStatistics {
    private final double[] mean;
    private final double[] squares;
    private long count;

    /** Statistics of {@code channels} channels, empty. */
    ChannelStatistics(int channels) {
        mean = new double[channels];
        squares = new double[channels];
    }

    /**
     * Adds one latent.
     *
     * @param latent (L, h, w), any floating dtype, on the CPU
     * @throws IllegalArgumentException if it has another channel count
     */
    void add(Tensor latent) {
        if (latent.dim() != 3 || latent.size(0) != mean.length) {
            throw new IllegalArgumentException("a latent of shape "
                    + Arrays.toString(latent.sizes().vec().get()) + " has not " + mean.length + " channels (L, h, w)");
        }
        Tensor x = latent.to(torch.ScalarType.Double).reshape(mean.length, -1);
        long n = x.size(1);
        Tensor sampleMean = x.mean(new long[] {1});
        double[] m = values(sampleMean);
        double[] s = values(x.sub(sampleMean.unsqueeze(1)).square().sum(new long[] {1}));
        long total = count + n;
        for (int c = 0; c < mean.length; c++) {
            double delta = m[c] - mean[c];
            mean[c] += delta * n / total;
            squares[c] += s[c] + delta * delta * ((double) count * n / total);
        }
        count = total;
    }

    private static double[] values(Tensor t) {
        Tensor c = t.contiguous();
        double[] out = new double[(int) c.numel()];
        c.data_ptr_double().get(out, 0, out.length);
        return out;
    }

    /** The per-channel mean (zeros when empty). */
    double[] mean() {
        return mean.clone();
    }

    /** The per-channel Bessel-corrected standard deviation (0 with fewer than two values). */
    double[] std() {
        double[] std = new double[squares.length];
        for (int c = 0; c < std.length; c++) {
            std[c] = count < 2 ? 0 : Math.sqrt(squares[c] / (count - 1));
        }
        return std;
    }
}
