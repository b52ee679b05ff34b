package dev.vae4j.core.tensor;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/** Shape helpers for argument checks and messages. */
public final class Shapes {
    /** The reduction dimensions C, H, W of an NCHW tensor. */
    public static final long[] CHW = {1, 2, 3};

    private Shapes() {}

    /** The shape as {@code [2, 3, 64, 64]}. */
    public static String describe(Tensor t) {
        return Arrays.toString(t.sizes().vec().get());
    }

    /**
     * Checks an NCHW batch: 4-D, {@code channels} channels, sides multiples of {@code factor}.
     *
     * @param what the argument's name for the message ("images", "latents")
     * @throws IllegalArgumentException naming the shape at fault
     */
    public static void requireNchw(Tensor t, String what, long channels, long factor) {
        if (t == null || t.isNull() || !t.defined()) {
            throw new IllegalArgumentException(what + " tensor is undefined");
        }
        if (t.dim() != 4) {
            throw new IllegalArgumentException(what + " must be 4-D (N, C, H, W), got shape " + describe(t));
        }
        if (t.size(1) != channels) {
            throw new IllegalArgumentException(what + " must have " + channels + " channels, got shape " + describe(t));
        }
        if (t.size(0) == 0 || t.size(2) == 0 || t.size(3) == 0) {
            throw new IllegalArgumentException(what + " is empty: shape " + describe(t));
        }
        if (t.size(2) % factor != 0 || t.size(3) % factor != 0) {
            throw new IllegalArgumentException(what + " sides must be multiples of " + factor
                    + " (the downsampling factor), got shape " + describe(t));
        }
        if (!t.is_floating_point()) {
            throw new IllegalArgumentException(what + " must be a floating-point tensor, got " + t.scalar_type());
        }
    }

    /**
     * Checks that two image batches are 4-D with equal shapes.
     *
     * @param what the metric or loss name for the message
     */
    public static void requireSameShape(Tensor a, Tensor b, String what) {
        if (a.dim() != 4
                || !java.util.Arrays.equals(
                        a.sizes().vec().get(), b.sizes().vec().get())) {
            throw new IllegalArgumentException(what + " needs two (N, C, H, W) batches of the same shape, got "
                    + describe(a) + " and " + describe(b));
        }
    }
}
