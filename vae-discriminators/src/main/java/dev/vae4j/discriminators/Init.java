package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.linalg_qr;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Seeded weight initialisers matching {@code torch.nn.init} (same distributions, our generator), applied in place
 * without recording gradients. Shapes: any weight with dim 0 = fan-out, dims 1.. = fan-in.
 */
final class Init {
    private Init() {}

    /** {@code normal_(t, mean, std)}. */
    public static void normal(Tensor t, double mean, double std, Generator generator) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            t.normal_(mean, std, new GeneratorOptional(generator));
        }
    }

    /** {@code uniform_(t, -bound, bound)}. */
    public static void uniform(Tensor t, double bound, Generator generator) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            t.uniform_(-bound, bound, new GeneratorOptional(generator));
        }
    }

    /** Fills {@code t} with a constant. */
    public static void constant(Tensor t, double value) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            t.fill_(new org.bytedeco.pytorch.Scalar(value));
        }
    }

    /** fan_in of a weight (out, in, k...) or (out, in): in times the kernel area. */
    public static long fanIn(Tensor weight) {
        return weight.numel() / weight.size(0);
    }

    /**
     * PyTorch's default Conv/Linear init: weight kaiming_uniform(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
     * and the bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
     */
    public static void pytorchDefault(Tensor weight, Tensor bias, long fanIn, Generator generator) {
        double bound = 1.0 / Math.sqrt(fanIn);
        uniform(weight, bound, generator);
        if (bias != null) {
            uniform(bias, bound, generator);
        }
    }

    /** {@code kaiming_normal_(t, a=0, mode='fan_in', nonlinearity='leaky_relu')}: N(0, 2/fan_in). */
    public static void kaimingNormalFanIn(Tensor t, long fanIn, Generator generator) {
        normal(t, 0.0, Math.sqrt(2.0) / Math.sqrt(fanIn), generator);
    }

    /**
     * {@code orthogonal_(t)}: the weight viewed as (rows = dim 0, cols = rest) is filled with the Q factor of a
     * Gaussian matrix (sign-corrected by diag(R)), transposed when rows &lt; cols, as torch does.
     */
    public static void orthogonal(Tensor t, Generator generator) {
        long rows = t.size(0);
        long cols = t.numel() / rows;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor flat = torch.empty(rows, cols).normal_(0.0, 1.0, new GeneratorOptional(generator));
            if (rows < cols) {
                flat = flat.t();
            }
            T_TensorTensor_T qr = linalg_qr(flat);
            Tensor q = qr.get0();
            Tensor d = torch.diagonal(qr.get1(), 0, 0, 1);
            q = q.mul(d.sign());
            if (rows < cols) {
                q = q.t();
            }
            t.copy_(q.reshape(t.sizes().vec().get()));
        }
    }
}
