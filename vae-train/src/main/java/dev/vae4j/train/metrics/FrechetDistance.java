package dev.vae4j.train.metrics;

import static org.bytedeco.pytorch.global.torch.eye;
import static org.bytedeco.pytorch.global.torch.linalg_eigh;
import static org.bytedeco.pytorch.global.torch.linalg_eigvalsh;

import dev.vae4j.core.tensor.Shapes;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Frechet distance between Gaussians N(mu1, sigma1) and N(mu2, sigma2), as pytorch-fid's
 * {@code calculate_frechet_distance}: {@code |mu1 - mu2|^2 + Tr(sigma1) + Tr(sigma2) - 2 Tr(sqrtm(sigma1 sigma2))}. The
 * trace of the matrix square root is computed robustly in float64 from symmetric eigendecompositions: {@code Tr
 * sqrtm(S1 S2) = Tr sqrt(A S2 A)} with {@code A = sqrtm(S1)}, eigenvalues below zero (rounding of positive
 * semi-definite matrices) clamped to 0. As the reference, a non-finite result is retried with {@code eps * I} added to
 * both covariances.
 */
public final class FrechetDistance {
    /** The reference's retry offset. */
    public static final double EPS = 1e-6;

    private FrechetDistance() {}

    /** The distance between two statistics: mu (D), sigma (D, D) each. */
    public static double of(Tensor mu1, Tensor sigma1, Tensor mu2, Tensor sigma2) {
        long d = mu1.size(0);
        requireStatistics(mu1, sigma1, d);
        requireStatistics(mu2, sigma2, d);
        Tensor m1 = mu1.to(ScalarType.Double);
        Tensor m2 = mu2.to(ScalarType.Double);
        Tensor s1 = sigma1.to(ScalarType.Double);
        Tensor s2 = sigma2.to(ScalarType.Double);
        double meanTerm = m1.sub(m2).pow(new Scalar(2)).sum().item_double();
        double traces = s1.trace().item_double() + s2.trace().item_double();
        double cross = traceSqrtProduct(s1, s2);
        if (!Double.isFinite(cross)) {
            Tensor offset = eye(d, new TensorOptions(ScalarType.Double)).mul(new Scalar(EPS));
            cross = traceSqrtProduct(s1.add(offset), s2.add(offset));
        }
        return meanTerm + traces - 2 * cross;
    }

    private static void requireStatistics(Tensor mu, Tensor sigma, long d) {
        if (mu.dim() != 1 || mu.size(0) != d || sigma.dim() != 2 || sigma.size(0) != d || sigma.size(1) != d) {
            throw new IllegalArgumentException("Frechet distance needs mu (" + d + ") and sigma (" + d + ", " + d
                    + ") on both sides, got " + Shapes.describe(mu) + " and " + Shapes.describe(sigma));
        }
    }

    /** Tr(sqrtm(a b)) for symmetric positive semi-definite a, b (D, D), float64. */
    static double traceSqrtProduct(Tensor a, Tensor b) {
        Tensor rootA = symmetricSqrt(a);
        Tensor m = rootA.matmul(b).matmul(rootA);
        m = m.add(m.t()).mul(new Scalar(0.5));
        Tensor eigenvalues = linalg_eigvalsh(m);
        return eigenvalues.clamp_min(new Scalar(0.0)).sqrt().sum().item_double();
    }

    /** The symmetric square root V sqrt(max(L, 0)) V^T of a symmetric matrix. */
    private static Tensor symmetricSqrt(Tensor a) {
        Tensor sym = a.add(a.t()).mul(new Scalar(0.5));
        T_TensorTensor_T eig = linalg_eigh(sym);
        Tensor roots = eig.get0().clamp_min(new Scalar(0.0)).sqrt();
        Tensor v = eig.get1();
        return v.mul(roots.unsqueeze(0)).matmul(v.t());
    }
}
