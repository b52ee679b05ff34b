package dev.vae4j.diffusion.objective;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Which end of the straight path {@code x = (1 - sigma) x0 + sigma eps} a flow model's time t points at, which sign its
 * velocity target has, and so what t it is handed.
 */
public enum FlowConvention {
    /**
     * diffusers and SD3: t = sigma (t = 1 is pure noise), {@code x_t = (1 - t) x0 + t eps}, target {@code eps - x0}.
     */
    NOISE_AT_ONE,
    /**
     * SiT and LightningDiT: t = 1 - sigma (t = 1 is data), {@code x_t = t x0 + (1 - t) eps}, target {@code x0 - eps}.
     */
    DATA_AT_ONE;

    /** The model's time t of noise levels {@code sigmas} (any shape). */
    public Tensor time(Tensor sigmas) {
        return this == NOISE_AT_ONE ? sigmas : sigmas.neg().add(new Scalar(1.0));
    }

    /** The velocity target: {@code noise - x0} or {@code x0 - noise}. */
    public Tensor target(Tensor x0, Tensor noise) {
        return this == NOISE_AT_ONE ? noise.sub(x0) : x0.sub(noise);
    }
}
