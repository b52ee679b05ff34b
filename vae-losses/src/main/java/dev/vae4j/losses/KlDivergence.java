package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.exp;

import dev.vae4j.core.model.LatentDistribution;
import dev.vae4j.core.tensor.Shapes;
import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * KL divergence of diagonal Gaussians over latents (N, C, H, W), in nats: per sample {@code KL(q || N(0, I)) = 0.5 *
 * sum_{C,H,W}(mu^2 + var - 1 - logvar)} and {@code KL(q || p) = 0.5 * sum_{C,H,W}((mu_q - mu_p)^2 / var_p + var_q /
 * var_p - 1 - logvar_q + logvar_p)}, then reduced over the batch by {@link BatchReduction} (LDM: mean, i.e. {@code sum
 * / N}). Log-variances are used as given (a {@code DiagonalGaussian} has already clamped them to [-30, 20]).
 */
public final class KlDivergence {
    private final BatchReduction reduction;

    /** A KL loss reduced over the batch by {@code reduction}. */
    public KlDivergence(BatchReduction reduction) {
        this.reduction = Objects.requireNonNull(reduction, "reduction");
    }

    /**
     * The batch-reduced KL(q || N(0, I)), a 0-d tensor: the distribution's own {@link LatentDistribution#kl()} (the
     * formula above for a Gaussian; zero for the point posterior of a deterministic encoder).
     */
    public Tensor loss(LatentDistribution q) {
        return reduction.apply(q.kl());
    }

    /** The batch-reduced KL(q || p), a 0-d tensor. */
    public Tensor loss(LatentDistribution q, LatentDistribution p) {
        return reduction.apply(between(q.mean(), q.logvar(), p.mean(), p.logvar()));
    }

    /** Per-sample KL(N(mean, exp(logvar)) || N(0, I)) of 4-D tensors (N, C, H, W): shape (N). */
    public static Tensor toStandardNormal(Tensor mean, Tensor logvar) {
        requireSameShape(mean, logvar);
        return mean.pow(new Scalar(2))
                .add(exp(logvar))
                .sub(new Scalar(1.0))
                .sub(logvar)
                .sum(Shapes.CHW)
                .mul(new Scalar(0.5));
    }

    /** Per-sample KL(N(mean1, exp(logvar1)) || N(mean2, exp(logvar2))) of 4-D tensors: shape (N). */
    public static Tensor between(Tensor mean1, Tensor logvar1, Tensor mean2, Tensor logvar2) {
        requireSameShape(mean1, logvar1);
        requireSameShape(mean1, mean2);
        requireSameShape(mean1, logvar2);
        Tensor var2 = exp(logvar2);
        return mean1.sub(mean2)
                .pow(new Scalar(2))
                .div(var2)
                .add(exp(logvar1).div(var2))
                .sub(new Scalar(1.0))
                .sub(logvar1)
                .add(logvar2)
                .sum(Shapes.CHW)
                .mul(new Scalar(0.5));
    }

    private static void requireSameShape(Tensor a, Tensor b) {
        if (a.dim() != 4) {
            throw new IllegalArgumentException("latent statistics must be 4-D (N, C, H, W), got " + Shapes.describe(a));
        }
        if (!Arrays.equals(a.sizes().vec().get(), b.sizes().vec().get())) {
            throw new IllegalArgumentException(
                    "latent statistics differ in shape: " + Shapes.describe(a) + " vs " + Shapes.describe(b));
        }
    }
}
