package dev.vae4j.core.tensor;

import java.util.Arrays;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Eager release of the intermediate activations of a forward pass, so that a block holds no more memory than PyTorch's
 * reference-counted eager mode does, and less when autograd is off: every intermediate is freed as soon as the op that
 * reads it has run, and, under {@code InferenceMode} or no-grad, element-wise ops (SiLU, residual add) write into an
 * intermediate instead of allocating another tensor of the same size.
 *
 * <p>"Owned" below means a tensor the calling forward pass created itself, or was handed as no longer needed
 * ({@code Block2D.forwardOwned}), and nobody else holds: never a parameter, a view of one, or an input the caller still
 * uses. Freeing a Java handle early is safe with autograd on: the graph holds its own references to what backward
 * needs, so training keeps working and gets the same gradients.
 */
public final class Intermediates {
    private Intermediates() {}

    /** Whether ops may overwrite their owned inputs: true when autograd records nothing (inference, no-grad). */
    public static boolean inPlaceAllowed() {
        return !GradMode.is_enabled();
    }

    /** SiLU of {@code owned} (any shape): written into it when {@link #inPlaceAllowed()}, else a new tensor. */
    public static Tensor silu(Tensor owned) {
        if (inPlaceAllowed()) {
            torch.silu_(owned);
            return owned;
        }
        return consume(owned, torch.silu(owned));
    }

    /**
     * {@code owned + other} (same shape): written into {@code owned} when {@link #inPlaceAllowed()} and both have the
     * same dtype (so the result type is {@code owned}'s), else a new tensor and {@code owned} is freed. {@code other}
     * is never modified.
     */
    public static Tensor add(Tensor owned, Tensor other) {
        if (addInPlace(owned, other)) {
            return owned;
        }
        return consume(owned, owned.add(other));
    }

    /**
     * {@code other + owned} (same shape), for a reference that adds in this order: written into {@code owned} as
     * {@link #add} does when {@link #inPlaceAllowed()}, else a new tensor laid out like {@code other} where the two
     * layouts differ (a binary op's result takes its first operand's memory format, channels-last or contiguous, as in
     * PyTorch), and {@code owned} is freed. {@code other} is never modified.
     */
    public static Tensor addTo(Tensor other, Tensor owned) {
        if (addInPlace(owned, other)) {
            return owned;
        }
        return consume(owned, other.add(owned));
    }

    /** Adds {@code other} into {@code owned} when allowed, same dtype and same shape; whether it did. */
    private static boolean addInPlace(Tensor owned, Tensor other) {
        if (inPlaceAllowed()
                && owned.scalar_type().value == other.scalar_type().value
                && Arrays.equals(owned.sizes().vec().get(), other.sizes().vec().get())) {
            owned.add_(other);
            return true;
        }
        return false;
    }

    /** Frees {@code consumed} (owned, already read by the op that produced {@code result}) and returns result. */
    public static Tensor consume(Tensor consumed, Tensor result) {
        if (consumed != result && consumed.address() != result.address()) {
            consumed.close();
        }
        return result;
    }
}
