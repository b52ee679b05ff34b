package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.grad;
import static org.bytedeco.pytorch.global.torch.linalg_vector_norm;

import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LDM's adaptive discriminator weight ({@code calculate_adaptive_weight}):
 * {@code disc_weight * clamp(||grad_last nll|| / (||grad_last g|| + 1e-4), 0, 1e4)}, detached, where the
 * gradients are taken with {@code torch.grad} (graph retained) of the NLL and of the generator GAN loss with
 * respect to the decoder's last-layer weight, and the norms are L2 over all elements computed in float32.
 * A dimensionless double. Guards: a non-finite norm gives 0 with a warning (never NaN); a zero generator
 * gradient gives the clamped maximum (times disc_weight) with a warning; an NLL without a graph (validation
 * under no-grad) gives 0, as LDM's {@code except RuntimeError} branch does.
 */
public final class AdaptiveWeight {
    /** LDM's delta in the denominator. */
    public static final double DELTA = 1e-4;
    /** LDM's upper clamp. */
    public static final double MAX = 1e4;
    private static final Logger LOG = LoggerFactory.getLogger(AdaptiveWeight.class);

    private final double discWeight;

    /** @param discWeight LDM's {@code disc_weight} (>= 0, finite), the factor applied after clamping */
    public AdaptiveWeight(double discWeight) {
        if (!(discWeight >= 0) || !Double.isFinite(discWeight)) {
            throw new IllegalArgumentException("disc_weight must be finite and >= 0, got " + discWeight);
        }
        this.discWeight = discWeight;
    }

    /** The factor applied after clamping. */
    public double discWeight() {
        return discWeight;
    }

    /**
     * The weight for {@code nll} and {@code gLoss} (0-d tensors) at {@code lastLayer} (a parameter both depend on).
     */
    public double compute(Tensor nll, Tensor gLoss, Tensor lastLayer) {
        if (lastLayer == null || lastLayer.isNull() || !lastLayer.defined()) {
            throw new IllegalArgumentException("adaptive weight: last-layer weight is undefined");
        }
        if (!nll.requires_grad() || !gLoss.requires_grad()) {
            LOG.debug("adaptive weight: loss has no graph (no-grad evaluation); weight 0");
            return 0.0;
        }
        double nllNorm = gradientNorm(nll, lastLayer);
        double gNorm = gradientNorm(gLoss, lastLayer);
        return weight(nllNorm, gNorm);
    }

    /** The clamped, scaled weight from two gradient norms (the arithmetic of {@link #compute}). */
    public double weight(double nllNorm, double gNorm) {
        if (!Double.isFinite(nllNorm) || !Double.isFinite(gNorm)) {
            LOG.warn("adaptive weight: non-finite gradient norm (nll {}, g {}); using weight 0", nllNorm, gNorm);
            return 0.0;
        }
        if (gNorm == 0.0) {
            LOG.warn("adaptive weight: the generator GAN loss has a zero gradient at the last layer; weight clamps "
                    + "towards {}", MAX);
        }
        // float32 arithmetic, as torch computes it on float32 norms
        float ratio = (float) nllNorm / ((float) gNorm + (float) DELTA);
        double clamped = Math.max(0.0, Math.min(MAX, ratio));
        return clamped * discWeight;
    }

    private static double gradientNorm(Tensor loss, Tensor lastLayer) {
        TensorVector grads = grad(new TensorVector(loss), new TensorVector(lastLayer), new TensorVector(),
                new BoolOptional(true), false, true);
        Tensor g = grads.size() == 0 ? null : grads.get(0);
        if (g == null || g.isNull() || !g.defined()) {
            return 0.0; // the loss does not depend on the last layer
        }
        return linalg_vector_norm(g.to(ScalarType.Float)).item_double();
    }
}
