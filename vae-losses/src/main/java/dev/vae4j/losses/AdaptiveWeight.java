package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.grad;
import static org.bytedeco.pytorch.global.torch.isfinite;
import static org.bytedeco.pytorch.global.torch.linalg_vector_norm;
import static org.bytedeco.pytorch.global.torch.where;
import static org.bytedeco.pytorch.global.torch.zeros;

import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LDM's adaptive discriminator weight ({@code calculate_adaptive_weight}): {@code disc_weight * clamp(||grad_last nll||
 * / (||grad_last g|| + 1e-4), 0, 1e4)}, detached, where the gradients are taken with {@code torch.grad} (graph
 * retained) of the NLL and of the generator GAN loss with respect to the decoder's last-layer weight, and the norms are
 * L2 over all elements computed in float32. A dimensionless detached 0-d float32 tensor on the losses' device, computed
 * without a host read (as LDM's tensor arithmetic does). Guards: a non-finite norm gives 0 (never NaN); a zero
 * generator gradient gives the clamped maximum (times disc_weight); an NLL without a graph (validation under no-grad)
 * gives 0, as LDM's {@code except RuntimeError} branch does.
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
     * The weight for {@code nll} and {@code gLoss} (0-d tensors) at {@code lastLayer} (a parameter both depend on), a
     * detached 0-d float32 tensor on their device, computed there without a host read.
     */
    public Tensor compute(Tensor nll, Tensor gLoss, Tensor lastLayer) {
        if (lastLayer == null || lastLayer.isNull() || !lastLayer.defined()) {
            throw new IllegalArgumentException("adaptive weight: last-layer weight is undefined");
        }
        if (!nll.requires_grad() || !gLoss.requires_grad()) {
            LOG.debug("adaptive weight: loss has no graph (no-grad evaluation); weight 0");
            return zeros(new long[] {}, new TensorOptions(ScalarType.Float)).to(nll.device(), ScalarType.Float);
        }
        return weight(gradientNorm(nll, lastLayer), gradientNorm(gLoss, lastLayer));
    }

    /**
     * The clamped, scaled weight from two gradient norms (0-d float32 tensors; the arithmetic of {@link #compute}):
     * {@code clamp(nll / (g + 1e-4), 0, 1e4) * disc_weight} in float32, 0 where a norm is not finite.
     */
    public Tensor weight(Tensor nllNorm, Tensor gNorm) {
        Tensor ratio = nllNorm.div(gNorm.add(new Scalar(DELTA)))
                .clamp(new ScalarOptional(new Scalar(0.0)), new ScalarOptional(new Scalar(MAX)))
                .mul(new Scalar(discWeight));
        Tensor finite = isfinite(nllNorm).logical_and(isfinite(gNorm));
        return where(finite, ratio, new Scalar(0.0)).detach();
    }

    private static Tensor gradientNorm(Tensor loss, Tensor lastLayer) {
        TensorVector grads = grad(
                new TensorVector(loss),
                new TensorVector(lastLayer),
                new TensorVector(),
                new BoolOptional(true),
                false,
                true);
        Tensor g = grads.size() == 0 ? null : grads.get(0);
        if (g == null || g.isNull() || !g.defined()) {
            // the loss does not depend on the last layer
            return zeros(new long[] {}, new TensorOptions(ScalarType.Float)).to(loss.device(), ScalarType.Float);
        }
        return linalg_vector_norm(g.to(ScalarType.Float));
    }
}
