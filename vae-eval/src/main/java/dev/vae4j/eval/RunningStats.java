package dev.vae4j.eval;

import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.Reductions;

/**
 * Streaming mean and population standard deviation of scalar values (Welford's update), plus min and max; constant
 * memory however many values are added.
 */
public final class RunningStats {
    private long count;
    private double mean;
    private double m2;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;

    /** Creates empty statistics. */
    public RunningStats() {}

    /** Adds each value. */
    public void addAll(double[] values) {
        for (double v : values) {
            add(v);
        }
    }

    /** Adds one value (infinite values, e.g. the PSNR of identical images, make the mean infinite). */
    public void add(double value) {
        count++;
        min = Math.min(min, value);
        max = Math.max(max, value);
        if (Double.isInfinite(value) || Double.isInfinite(mean)) {
            mean = Double.isInfinite(mean) ? mean : value;
            m2 = Double.NaN;
            return;
        }
        double delta = value - mean;
        mean += delta / count;
        m2 += delta * (value - mean);
    }

    /**
     * These statistics merged over all ranks of {@code collectives} (each rank having added its own values), by Chan et
     * al.'s pairwise update; every rank gets the same result.
     */
    public RunningStats gather(Collectives collectives) {
        RunningStats merged = new RunningStats();
        for (double[] part : Reductions.gather(collectives, new double[] {count, mean, m2, min, max})) {
            merged.combine(Math.round(part[0]), part[1], part[2], part[3], part[4]);
        }
        return merged;
    }

    private void combine(long n, double otherMean, double otherM2, double otherMin, double otherMax) {
        if (n == 0) {
            return;
        }
        min = Math.min(min, otherMin);
        max = Math.max(max, otherMax);
        long total = count + n;
        if (Double.isInfinite(mean) || Double.isInfinite(otherMean)) {
            mean = Double.isInfinite(mean) ? mean : otherMean;
            m2 = Double.NaN;
        } else {
            double delta = otherMean - mean;
            mean += delta * n / total;
            m2 += otherM2 + delta * delta * count * n / total;
        }
        count = total;
    }

    /** Values added. */
    public long count() {
        return count;
    }

    /** Mean of the values (NaN when empty). */
    public double mean() {
        return count == 0 ? Double.NaN : mean;
    }

    /** Population standard deviation (NaN when empty). */
    public double std() {
        return count == 0 ? Double.NaN : Math.sqrt(m2 / count);
    }

    /** Smallest value. */
    public double min() {
        return min;
    }

    /** Largest value. */
    public double max() {
        return max;
    }
}
