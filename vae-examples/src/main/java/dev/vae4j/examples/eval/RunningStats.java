package dev.vae4j.examples.eval;

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
    public RunningStats() {
    }

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
