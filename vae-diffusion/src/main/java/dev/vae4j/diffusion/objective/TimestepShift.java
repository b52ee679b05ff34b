package dev.vae4j.diffusion.objective;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * SD3's resolution-dependent timestep shift of a flow noise level, {@code s' = k s / (1 + (k - 1) s)}, as diffusers'
 * {@code FlowMatchEulerDiscreteScheduler} applies its {@code shift}: monotone on [0, 1], fixed points 0 and 1; {@code k
 * > 1} moves noise levels toward 1 (more noise), {@code k < 1} toward 0, k = 1 is the identity.
 */
public final class TimestepShift {
    private final double shift;

    private TimestepShift(double shift) {
        this.shift = shift;
    }

    /**
     * The shift by {@code k} (SD3 uses 3.0).
     *
     * @throws IllegalArgumentException if k is not a finite number > 0
     */
    public static TimestepShift of(double k) {
        if (!(k > 0) || !Double.isFinite(k)) {
            throw new IllegalArgumentException("timestep shift must be a finite number > 0, got " + k);
        }
        return new TimestepShift(k);
    }

    /** k. */
    public double shift() {
        return shift;
    }

    /** The shifted noise level of {@code sigma} in [0, 1] (clamped to 1, which rounding can pass by one ulp). */
    public double apply(double sigma) {
        return Math.min(1.0, shift * sigma / (1 + (shift - 1) * sigma));
    }

    /** The shifted noise levels, element-wise, in the same operation order as diffusers (float32 stays float32). */
    public Tensor apply(Tensor sigmas) {
        return sigmas.mul(new Scalar(shift))
                .div(sigmas.mul(new Scalar(shift - 1)).add(new Scalar(1.0)));
    }
}
