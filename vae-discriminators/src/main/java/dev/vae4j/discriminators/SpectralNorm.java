package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.dot;
import static org.bytedeco.pytorch.global.torch.mv;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * One power iteration of spectral normalisation, in the two flavors our reference discriminators use. The weight (out,
 * ...) is viewed as the matrix W (out, rest); the result is W / sigma with sigma estimated from the persistent
 * singular-vector buffers, which are updated (in place, without gradient) only in training mode. Gradients flow through
 * sigma, as in the references.
 */
final class SpectralNorm {
    private SpectralNorm() {}

    /**
     * BigGAN's {@code SN.W_()} (num_svs = num_itrs = 1): u (1, out) buffer, sv (1) buffer. v = normalize(u W), u' =
     * normalize(v W^T) without gradient; sigma = v W^T u'^T; in training u &lt;- u', sv &lt;- sigma.
     */
    public static Tensor bigGan(Tensor weight, Tensor u, Tensor sv, boolean training, double eps) {
        Tensor w = weight.view(weight.size(0), -1);
        Tensor v;
        Tensor uNew;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            v = normalizeRows(u.matmul(w), eps);
            uNew = normalizeRows(v.matmul(w.t()), eps);
            if (training) {
                u.copy_(uNew);
            }
        }
        Tensor sigma = v.matmul(w.t()).matmul(uNew.t()).squeeze();
        if (training) {
            try (NoGradGuard noGrad = new NoGradGuard()) {
                sv.copy_(sigma.detach().reshape(1));
            }
        }
        return weight.div(sigma);
    }

    /**
     * {@code torch.nn.utils.spectral_norm} (dim 0, one iteration): u (h) and v (w) buffers where W is (h, w). In
     * training v &lt;- normalize(W^T u), u &lt;- normalize(W v) in place; sigma = u . (W v).
     */
    public static Tensor torchStyle(Tensor weightOrig, Tensor u, Tensor v, boolean training, double eps) {
        Tensor w = weightOrig.reshape(weightOrig.size(0), -1);
        Tensor uu = u;
        Tensor vv = v;
        if (training) {
            try (NoGradGuard noGrad = new NoGradGuard()) {
                v.copy_(normalizeVector(mv(w.t(), u), eps));
                u.copy_(normalizeVector(mv(w, v), eps));
                uu = u.clone();
                vv = v.clone();
            }
        }
        Tensor sigma = dot(uu, mv(w, vv));
        return weightOrig.div(sigma);
    }

    private static Tensor normalizeRows(Tensor x, double eps) {
        return x.div(x.norm(new org.bytedeco.pytorch.ScalarOptional(new Scalar(2.0)), new long[] {1}, true)
                .clamp_min(new Scalar(eps)));
    }

    private static Tensor normalizeVector(Tensor x, double eps) {
        return x.div(x.norm().clamp_min(new Scalar(eps)));
    }
}
