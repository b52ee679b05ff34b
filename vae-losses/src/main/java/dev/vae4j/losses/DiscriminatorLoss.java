package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.relu;
import static org.bytedeco.pytorch.global.torch.softplus;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * taming/LDM discriminator losses on real and fake logits of any shape (means run over all patch logits), a 0-d tensor
 * >= 0: HINGE {@code 0.5 * (mean(relu(1 - real)) + mean(relu(1 + fake)))} (0 once real >= 1 and fake &lt;= -1); VANILLA
 * {@code 0.5 * (mean(softplus(-real)) + mean(softplus(fake)))} (> 0, -> 0 as real -> +inf, fake -> -inf; log 2 at real
 * = fake = 0).
 */
public enum DiscriminatorLoss {
    /** {@code hinge_d_loss}. */
    HINGE,
    /** {@code vanilla_d_loss}. */
    VANILLA;

    /** The loss of real logits and fake logits. */
    public Tensor loss(Tensor logitsReal, Tensor logitsFake) {
        if (logitsReal.numel() == 0 || logitsFake.numel() == 0) {
            throw new IllegalArgumentException("discriminator logits are empty");
        }
        Scalar half = new Scalar(0.5);
        if (this == HINGE) {
            Tensor real = relu(logitsReal.neg().add(new Scalar(1.0))).mean();
            Tensor fake = relu(logitsFake.add(new Scalar(1.0))).mean();
            return real.add(fake).mul(half);
        }
        return softplus(logitsReal.neg())
                .mean()
                .add(softplus(logitsFake).mean())
                .mul(half);
    }

    /** Parses "hinge" or "vanilla" (case-insensitive). */
    public static DiscriminatorLoss parse(String name) {
        for (DiscriminatorLoss l : values()) {
            if (l.name().equalsIgnoreCase(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown discriminator loss '" + name + "' (hinge or vanilla)");
    }
}
