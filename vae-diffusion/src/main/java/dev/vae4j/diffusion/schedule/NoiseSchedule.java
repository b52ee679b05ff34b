package dev.vae4j.diffusion.schedule;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** A discrete diffusion noise schedule: betas (T) and the cumulative products of {@code 1 - beta}. */
public final class NoiseSchedule {
    private final double[] betas;
    private final double[] alphasCumprod;

    private NoiseSchedule(double[] betas) {
        this.betas = betas.clone();
        this.alphasCumprod = new double[betas.length];
        double product = 1.0;
        for (int i = 0; i < betas.length; i++) {
            product *= 1.0 - betas[i];
            alphasCumprod[i] = product;
        }
    }

    /** The schedule of the given betas (T values in (0, 1)). */
    public static NoiseSchedule fromBetas(double[] betas) {
        return new NoiseSchedule(betas);
    }

    /** The betas (T), a copy. */
    public double[] betas() {
        return betas.clone();
    }

    /** The cumulative products of {@code 1 - beta} (T), float64, a copy. */
    public double[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    /** T, the number of training timesteps. */
    public int trainTimesteps() {
        return betas.length;
    }

    /** {@link #alphasCumprod()} as a new float32 (T) tensor on the CPU. */
    public Tensor alphasCumprodTensor() {
        float[] values = new float[alphasCumprod.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) alphasCumprod[i];
        }
        try (FloatPointer pointer = new FloatPointer(values)) {
            return torch.from_blob(pointer, new long[] {values.length}).clone();
        }
    }
}
