package dev.vae4j.diffusion.objective;

import dev.vae4j.diffusion.PredictionType;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Min-SNR-gamma loss weights (Hang et al. 2023), as diffusers' {@code examples/text_to_image/train_text_to_image.py}
 * computes them from {@code training_utils.compute_snr} after its PR #6307 / #8466: {@code min(snr, gamma) / snr} for
 * epsilon, {@code min(snr, gamma) / (snr + 1)} for v_prediction and, as the paper derives, {@code min(snr, gamma)} for
 * sample. Weights multiply the per-sample mean loss.
 */
public final class MinSnrWeighting {
    private final double gamma;

    /**
     * Weighting with clipping constant {@code gamma} (5 in the paper and diffusers' docs).
     *
     * @throws IllegalArgumentException if gamma is not a finite number > 0
     */
    public MinSnrWeighting(double gamma) {
        if (!(gamma > 0) || !Double.isFinite(gamma)) {
            throw new IllegalArgumentException("min-SNR gamma must be a finite number > 0, got " + gamma);
        }
        this.gamma = gamma;
    }

    /** The clipping constant. */
    public double gamma() {
        return gamma;
    }

    /**
     * The per-sample weights for a {@code type} model.
     *
     * @param snr (N) signal-to-noise ratios ({@link ForwardProcess#snr})
     * @return (N) weights, in (0, 1] for epsilon and v_prediction
     */
    public Tensor weights(Tensor snr, PredictionType type) {
        Tensor clipped = torch.clamp_max(snr, new Scalar(gamma));
        return switch (type) {
            case EPSILON -> clipped.div(snr);
            case V_PREDICTION -> clipped.div(snr.add(new Scalar(1.0)));
            case SAMPLE -> clipped;
        };
    }
}
