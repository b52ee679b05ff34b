package dev.vae4j.diffusion.objective;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Per-sample loss weights of rectified flow as a function of the noise level sigma, as diffusers'
 * {@code training_utils.compute_loss_weighting_for_sd3}. (diffusers' SD3 script picks the weighting and the time
 * density with one {@code weighting_scheme} argument; here they are chosen separately.)
 */
public enum FlowLossWeighting {
    /** Every sample weighs 1. */
    NONE,
    /** {@code sigma^-2}. */
    SIGMA_SQRT,
    /** {@code 2 / (pi (1 - 2 sigma + 2 sigma^2))}. */
    COSMAP;

    /**
     * The weights of noise levels {@code sigmas}.
     *
     * @param sigmas (N) noise levels in [0, 1] (SIGMA_SQRT: in (0, 1])
     * @return (N) weights, float32 for float32 sigmas
     */
    public Tensor weights(Tensor sigmas) {
        return switch (this) {
            case NONE -> torch.ones_like(sigmas);
            case SIGMA_SQRT -> sigmas.pow(new Scalar(-2.0));
            case COSMAP -> {
                Tensor bottom = sigmas.mul(new Scalar(-2.0))
                        .add(new Scalar(1.0))
                        .add(sigmas.pow(new Scalar(2.0)).mul(new Scalar(2.0)));
                yield torch.reciprocal(bottom.mul(new Scalar(Math.PI))).mul(new Scalar(2.0));
            }
        };
    }
}
