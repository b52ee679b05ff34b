package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.relu;
import static org.bytedeco.pytorch.global.torch.softplus;

import dev.vae4j.core.tensor.Shapes;
import java.util.Arrays;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Generator-side GAN losses, 0-d tensors, means over all patch logits: {@link #negativeMean(Tensor)} is LDM's
 * {@code g_loss = -mean(D(x̂))}; {@link #bce(Tensor)} is the non-saturating {@code BCE(D(x̂), 1) =
 * mean(softplus(-D(x̂)))}; {@link #thresholdedHinge} is cloneofsimo/vqgan-training's {@code mean(max(0, D(x) - D(x̂) -
 * margin))} with the real logits detached (0 wherever the fake logit is within {@code margin} of, or above, the real
 * one).
 */
public final class GeneratorGanLoss {
    /** cloneofsimo/vqgan-training's default margin. */
    public static final double DEFAULT_MARGIN = 0.1;

    private GeneratorGanLoss() {}

    /** {@code -mean(logitsFake)}. */
    public static Tensor negativeMean(Tensor logitsFake) {
        if (logitsFake.numel() == 0) {
            throw new IllegalArgumentException("fake logits are empty");
        }
        return logitsFake.mean().neg();
    }

    /** {@code mean(softplus(-logitsFake))}, binary cross-entropy of the fake logits against label 1. */
    public static Tensor bce(Tensor logitsFake) {
        if (logitsFake.numel() == 0) {
            throw new IllegalArgumentException("fake logits are empty");
        }
        return softplus(logitsFake.neg()).mean();
    }

    /** {@code mean(relu(detach(real) - fake - margin))}, elementwise per patch; shapes must agree. */
    public static Tensor thresholdedHinge(Tensor logitsReal, Tensor logitsFake, double margin) {
        if (!Arrays.equals(
                logitsReal.sizes().vec().get(), logitsFake.sizes().vec().get())) {
            throw new IllegalArgumentException("thresholded hinge: real logits " + Shapes.describe(logitsReal)
                    + " and fake logits " + Shapes.describe(logitsFake) + " differ in shape");
        }
        if (!Double.isFinite(margin)) {
            throw new IllegalArgumentException("margin must be finite, got " + margin);
        }
        return relu(logitsReal.detach().sub(logitsFake).sub(new Scalar(margin))).mean();
    }
}
