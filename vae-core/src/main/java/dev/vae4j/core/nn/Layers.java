package dev.vae4j.core.nn;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.GroupNormOptions;

/**
 * Factories for the libtorch leaf layers our blocks are made of, configured like their PyTorch counterparts (square
 * kernels, bias on, PyTorch's default initialisation).
 */
public final class Layers {
    /** PyTorch's default GroupNorm epsilon, used by stanipov/pytorch-diffusion's blocks. */
    public static final double TORCH_NORM_EPS = 1e-5;

    private Layers() {}

    /** {@code nn.Conv2d(in, out, kernel, stride, padding)} with bias; weight shape (out, in, k, k). */
    public static Conv2dImpl conv2d(long in, long out, long kernel, long stride, long padding) {
        Conv2dOptions options = new Conv2dOptions(in, out, new LongPointer(kernel, kernel));
        options.stride().put(new LongPointer(stride, stride));
        options.padding().put(new LongPointer(padding, padding));
        return new Conv2dImpl(options);
    }

    /** {@code nn.Conv2d(in, out, 1, bias=False)}; weight shape (out, in, 1, 1). */
    public static Conv2dImpl conv2dNoBias(long in, long out) {
        return conv2dNoBias(in, out, 1, 1, 0);
    }

    /** {@code nn.Conv2d(in, out, kernel, stride, padding, bias=False)}; weight shape (out, in, k, k). */
    public static Conv2dImpl conv2dNoBias(long in, long out, long kernel, long stride, long padding) {
        Conv2dOptions options = new Conv2dOptions(in, out, new LongPointer(kernel, kernel));
        options.stride().put(new LongPointer(stride, stride));
        options.padding().put(new LongPointer(padding, padding));
        options.bias().put(false);
        return new Conv2dImpl(options);
    }

    /** A 3x3/1x1 convolution with bias, weight-standardised when {@code standardized} (see {@link Conv2d}). */
    public static Conv2d conv(long in, long out, long kernel, long stride, long padding, boolean standardized) {
        return standardized
                ? new WeightStandardizedConv2d(in, out, kernel, stride, padding)
                : new Conv2d(in, out, kernel, stride, padding);
    }

    /** {@code nn.GroupNorm(groups, channels, eps, affine=True)}; input (N, C, *). */
    public static GroupNormImpl groupNorm(long groups, long channels, double eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(
                    "GroupNorm: " + channels + " channels are not divisible into " + groups + " groups");
        }
        GroupNormOptions options = new GroupNormOptions(groups, channels);
        options.eps().put(eps);
        return new GroupNormImpl(options);
    }
}
