package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.grad;

import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.tensor.Shapes;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * R1 gradient penalty (Mescheder et al. 2018, StyleGAN2-ADA form) for the discriminator: {@code (gamma / 2) *
 * mean_n(sum_{C,H,W} (d sum(D(x)) / d x)^2)} on real images x (N, C, H, W), with the gradient taken with
 * {@code create_graph} so the penalty itself can be back-propagated into D. For a patch discriminator the logits are
 * summed over all patches first. A 0-d tensor >= 0. Lazy regularisation (every k steps, times k) is the training loop's
 * business.
 */
public final class R1Penalty {
    private final double gamma;

    /** @param gamma the R1 weight gamma (>= 0; StyleGAN2-ADA default 10) */
    public R1Penalty(double gamma) {
        if (!(gamma >= 0) || !Double.isFinite(gamma)) {
            throw new IllegalArgumentException("R1 gamma must be finite and >= 0, got " + gamma);
        }
        this.gamma = gamma;
    }

    /** The penalty of {@code discriminator} at {@code reals} (detached here and set to require grad). */
    public Tensor penalty(Discriminator discriminator, Tensor reals) {
        ImageChecks.requireImage(reals, "R1");
        Tensor x = reals.detach().requires_grad_(true);
        Tensor logits = discriminator.logits(x);
        TensorVector grads = grad(
                new TensorVector(logits.sum()),
                new TensorVector(x),
                new TensorVector(),
                new BoolOptional(true),
                true,
                false);
        Tensor g = grads.get(0);
        if (g == null || g.isNull() || !g.defined()) {
            throw new IllegalArgumentException(
                    "R1: discriminator logits do not depend on the input " + Shapes.describe(reals));
        }
        return g.square().sum(Shapes.CHW).mean().mul(new Scalar(gamma / 2));
    }
}
