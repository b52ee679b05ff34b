package dev.vae4j.core.nn;

import static org.bytedeco.pytorch.global.torch.rsqrt;
import static org.bytedeco.pytorch.global.torch.var;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Weight-standardised convolution (Qiao et al. 2019, as in stanipov/pytorch-diffusion's
 * {@code WeightStandardizedConv2d}): each output channel's kernel is shifted to mean 0 and scaled by {@code rsqrt(var +
 * eps)} (biased variance over in, k, k; eps 1e-5 for float32 inputs, 1e-4 otherwise) before the convolution. Shapes as
 * {@link Conv2d}.
 */
final class WeightStandardizedConv2d extends Conv2d {
    private static final long[] KERNEL_DIMS = {1, 2, 3};

    /** Initialised like {@code nn.Conv2d}. */
    public WeightStandardizedConv2d(long in, long out, long kernel, long stride, long padding) {
        super(in, out, kernel, stride, padding);
    }

    @Override
    protected Tensor kernel(Tensor x) {
        double eps = x.scalar_type().value == ScalarType.Float.value ? 1e-5 : 1e-4;
        Tensor w = weight();
        Tensor mean = w.mean(KERNEL_DIMS, true, new ScalarTypeOptional());
        Tensor variance = var(w, KERNEL_DIMS, false, true);
        return w.sub(mean).mul(rsqrt(variance.add(new Scalar(eps))));
    }
}
