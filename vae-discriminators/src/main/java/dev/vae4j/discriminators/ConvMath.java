package dev.vae4j.discriminators;

/** Output sizes and MAC counts of 2-D convolutions (square kernels, dilation 1). */
public final class ConvMath {
    private ConvMath() {}

    /** {@code floor((n + 2p - k) / s) + 1}, the output side of a convolution or pooling. */
    public static long out(long n, long kernel, long stride, long padding) {
        return Math.floorDiv(n + 2 * padding - kernel, stride) + 1;
    }

    /** MACs of a conv producing {@code outH x outW} pixels: out * in * k * k per pixel. */
    public static long macs(long in, long out, long kernel, long outH, long outW) {
        return in * out * kernel * kernel * outH * outW;
    }
}
