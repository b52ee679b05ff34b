package dev.vae4j.eval;

import static org.bytedeco.pytorch.global.torch.histc;

import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.Reductions;
import java.nio.file.Path;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Streaming per-channel statistics of latents (N, C, h, w): mean and population standard deviation per channel
 * (accumulated in float64) and a per-channel histogram with {@code bins} equal bins over [{@code -range},
 * {@code range}] (values outside are counted in the edge bins). Memory is O(C * bins), independent of the number of
 * latents. The histogram figure follows open-LiteVAE's latent-distribution plot: one density curve per channel.
 */
public final class LatentStats {
    private final int channels;
    private final int bins;
    private final double range;
    private final double[] sum;
    private final double[] sumSquares;
    private final long[][] histogram;
    private long valuesPerChannel;

    /** Statistics for {@code channels} latent channels. */
    public LatentStats(int channels, int bins, double range) {
        if (channels < 1 || bins < 1 || !(range > 0)) {
            throw new IllegalArgumentException("latent statistics need channels >= 1, bins >= 1 and range > 0, got "
                    + channels + ", " + bins + ", " + range);
        }
        this.channels = channels;
        this.bins = bins;
        this.range = range;
        this.sum = new double[channels];
        this.sumSquares = new double[channels];
        this.histogram = new long[channels][bins];
    }

    /** Adds a batch of latents (N, C, h, w); call inside the batch's tensor scope. */
    public void add(Tensor latents) {
        if (latents.dim() != 4 || latents.size(1) != channels) {
            throw new IllegalArgumentException("expected latents (N, " + channels + ", h, w), got "
                    + dev.vae4j.core.tensor.Shapes.describe(latents));
        }
        Tensor z = latents.detach().cpu().to(ScalarType.Double);
        long[] dims = {0, 2, 3};
        double[] s = values(z.sum(dims));
        double[] s2 = values(z.mul(z).sum(dims));
        Tensor clamped = z.clamp(
                new org.bytedeco.pytorch.ScalarOptional(new Scalar(-range)),
                new org.bytedeco.pytorch.ScalarOptional(new Scalar(range)));
        for (int c = 0; c < channels; c++) {
            sum[c] += s[c];
            sumSquares[c] += s2[c];
            double[] counts = values(histc(clamped.select(1, c), bins, new Scalar(-range), new Scalar(range)));
            for (int b = 0; b < bins; b++) {
                histogram[c][b] += Math.round(counts[b]);
            }
        }
        valuesPerChannel += latents.numel() / channels;
    }

    /** Sums these statistics over all ranks in place (each rank having added its own latents). */
    public void allReduce(Collectives collectives) {
        double[] local = new double[2 * channels + channels * bins + 1];
        System.arraycopy(sum, 0, local, 0, channels);
        System.arraycopy(sumSquares, 0, local, channels, channels);
        for (int c = 0; c < channels; c++) {
            for (int b = 0; b < bins; b++) {
                local[2 * channels + c * bins + b] = histogram[c][b];
            }
        }
        local[local.length - 1] = valuesPerChannel;
        double[] total = Reductions.sum(collectives, local);
        System.arraycopy(total, 0, sum, 0, channels);
        System.arraycopy(total, channels, sumSquares, 0, channels);
        for (int c = 0; c < channels; c++) {
            for (int b = 0; b < bins; b++) {
                histogram[c][b] = Math.round(total[2 * channels + c * bins + b]);
            }
        }
        valuesPerChannel = Math.round(total[total.length - 1]);
    }

    /** Per-channel means. */
    public double[] means() {
        double[] m = new double[channels];
        for (int c = 0; c < channels; c++) {
            m[c] = sum[c] / valuesPerChannel;
        }
        return m;
    }

    /** Per-channel population standard deviations. */
    public double[] stds() {
        double[] m = means();
        double[] s = new double[channels];
        for (int c = 0; c < channels; c++) {
            s[c] = Math.sqrt(Math.max(0.0, sumSquares[c] / valuesPerChannel - m[c] * m[c]));
        }
        return s;
    }

    /** Histogram counts, [channel][bin]. */
    public long[][] histogram() {
        long[][] copy = new long[channels][];
        for (int c = 0; c < channels; c++) {
            copy[c] = histogram[c].clone();
        }
        return copy;
    }

    /** Writes the per-channel density curves as a PNG. */
    public void writeHistogramPng(Path file) {
        XYChart chart = new XYChartBuilder()
                .width(800)
                .height(480)
                .title("latent distribution per channel")
                .xAxisTitle("latent value")
                .yAxisTitle("density")
                .build();
        double width = 2 * range / bins;
        double[] x = new double[bins];
        for (int b = 0; b < bins; b++) {
            x[b] = -range + (b + 0.5) * width;
        }
        for (int c = 0; c < channels; c++) {
            double[] y = new double[bins];
            for (int b = 0; b < bins; b++) {
                y[b] = valuesPerChannel == 0 ? 0 : histogram[c][b] / (valuesPerChannel * width);
            }
            chart.addSeries("channel " + c, x, y).setMarker(SeriesMarkers.NONE);
        }
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }

    private static double[] values(Tensor t) {
        Tensor c = t.to(ScalarType.Double).contiguous();
        double[] out = new double[(int) c.numel()];
        c.data_ptr_double().get(out, 0, out.length);
        return out;
    }
}
