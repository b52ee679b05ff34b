package dev.vae4j.diffusion.sampling;

/** numpy's float64 {@code linspace(start, stop, num)}: {@code i * step + start}, the last value exactly stop. */
final class Linspace {
    private Linspace() {}

    static double[] of(double start, double stop, int num) {
        double[] values = new double[num];
        if (num == 1) {
            values[0] = start;
            return values;
        }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) {
            values[i] = step == 0 ? (double) i / (num - 1) * (stop - start) + start : i * step + start;
        }
        values[num - 1] = stop;
        return values;
    }
}
