package dev.vae4j.dwt;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.conv2d;
import static org.bytedeco.pytorch.global.torch.conv_transpose2d;
import static org.bytedeco.pytorch.global.torch.tensor;

import dev.vae4j.core.tensor.Shapes;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;

/**
 * Multi-level 2-D orthonormal Haar wavelet transform as differentiable tensor ops (a fixed 2x2 stride-2 filter bank
 * applied per channel), for any batch size, channel count, dtype and device.
 *
 * <p>Conventions (equal to PyWavelets {@code dwt2(x, "haar")} over the last two axes, rows = H): on a 2x2 block
 * {@code [[a, b], [c, d]]}, LL = (a+b+c+d)/2, H = (a+b-c-d)/2, V = (a-b+c-d)/2, D = (a-b-c+d)/2. One level maps (N, C,
 * H, W) to a <em>sub-band-major</em> stack (N, 4C, H/2, W/2): channels [0, C) are LL, then the two detail bands in
 * {@link SubbandOrder}, then D. The transform preserves energy and inverts exactly; LL after l levels equals 2^l times
 * the mean of each 2^l x 2^l block.
 *
 * <p>Per-level scaling (the LiteVAE paper's {@code dwt(x, level=l) / 2^l}) applies to the stacks returned by
 * {@link #decompose(Tensor, int)} and is undone by {@link #reconstruct(List)}; {@link #forward(Tensor)} and
 * {@link #inverse(Tensor)} are always unscaled. Odd sizes are rejected with an {@link IllegalArgumentException} (no
 * padding): every level needs even H and W.
 */
public final class HaarDwt {
    private static final float[] PYWT_FILTERS = {
        0.5f, 0.5f, 0.5f, 0.5f, // LL
        0.5f, 0.5f, -0.5f, -0.5f, // H: high-pass along rows (H), low-pass along columns (W)
        0.5f, -0.5f, 0.5f, -0.5f, // V: low-pass along H, high-pass along W
        0.5f, -0.5f, -0.5f, 0.5f, // D
    };

    private final SubbandOrder order;
    private final boolean levelScaling;

    /**
     * @param order detail sub-band order of the stacks
     * @param levelScaling whether {@link #decompose} divides level l's stack by 2^l (LiteVAE paper)
     */
    public HaarDwt(SubbandOrder order, boolean levelScaling) {
        this.order = order;
        this.levelScaling = levelScaling;
    }

    /** pywt order, no per-level scaling. */
    public static HaarDwt pywt() {
        return new HaarDwt(SubbandOrder.PYWT, false);
    }

    /** The detail sub-band order. */
    public SubbandOrder order() {
        return order;
    }

    /** Whether {@link #decompose} scales level l by 1/2^l. */
    public boolean levelScaling() {
        return levelScaling;
    }

    /** The analysis filters (4, 1, 2, 2) in this order, on the device and dtype of {@code like}. */
    private Tensor filters(Tensor like) {
        float[] values = PYWT_FILTERS.clone();
        if (order == SubbandOrder.TORCH_DWT) {
            System.arraycopy(PYWT_FILTERS, 8, values, 4, 4);
            System.arraycopy(PYWT_FILTERS, 4, values, 8, 4);
        }
        return tensor(values).view(4, 1, 2, 2).to(like.device(), like.scalar_type());
    }

    /**
     * One unscaled analysis level: (N, C, H, W) -> (N, 4C, H/2, W/2), sub-band major.
     *
     * @throws IllegalArgumentException unless x is a 4-D floating tensor with even, non-zero H and W
     */
    public Tensor forward(Tensor x) {
        requireEven(x, "Haar DWT input");
        long n = x.size(0);
        long c = x.size(1);
        long h = x.size(2) / 2;
        long w = x.size(3) / 2;
        Tensor out = conv2d(
                x.reshape(n * c, 1, x.size(2), x.size(3)),
                filters(x),
                new TensorOptional(),
                new long[] {2, 2},
                new long[] {0, 0},
                new long[] {1, 1},
                1);
        return out.reshape(n, c, 4, h, w).permute(0, 2, 1, 3, 4).reshape(n, 4 * c, h, w);
    }

    /**
     * One unscaled synthesis level, the exact inverse of {@link #forward}: (N, 4C, h, w) -> (N, C, 2h, 2w).
     *
     * @throws IllegalArgumentException unless the stack is 4-D with a channel count divisible by 4
     */
    public Tensor inverse(Tensor stack) {
        if (stack.dim() != 4 || stack.size(1) % 4 != 0 || stack.size(1) == 0) {
            throw new IllegalArgumentException("Haar IDWT input must be (N, 4C, h, w), got " + Shapes.describe(stack));
        }
        long n = stack.size(0);
        long c = stack.size(1) / 4;
        long h = stack.size(2);
        long w = stack.size(3);
        Tensor grouped = stack.reshape(n, 4, c, h, w).permute(0, 2, 1, 3, 4).reshape(n * c, 4, h, w);
        Tensor out = conv_transpose2d(
                grouped,
                filters(stack),
                new TensorOptional(),
                new long[] {2, 2},
                new long[] {0, 0},
                new long[] {0, 0},
                1,
                1,
                1);
        return out.reshape(n, c, 2 * h, 2 * w);
    }

    /**
     * Levels 1..{@code levels}: element l-1 is the level-l stack (N, 4C, H/2^l, W/2^l) = [LL_l, details_l], each level
     * computed from the previous LL, divided by 2^l when {@link #levelScaling()}.
     *
     * @throws IllegalArgumentException if H or W is not divisible by 2^levels, or levels &lt; 1
     */
    public List<Tensor> decompose(Tensor x, int levels) {
        if (levels < 1) {
            throw new IllegalArgumentException("Haar DWT needs at least one level, got " + levels);
        }
        requireEven(x, "Haar DWT input");
        long factor = 1L << levels;
        if (x.size(2) % factor != 0 || x.size(3) % factor != 0) {
            throw new IllegalArgumentException("Haar DWT with " + levels + " levels needs H and W divisible by "
                    + factor + " (odd sizes are not padded), got shape " + Shapes.describe(x));
        }
        List<Tensor> stacks = new ArrayList<>(levels);
        Tensor ll = x;
        long channels = x.size(1);
        for (int level = 1; level <= levels; level++) {
            Tensor stack = forward(ll);
            ll = stack.narrow(1, 0, channels);
            stacks.add(levelScaling ? stack.div(new Scalar((double) (1L << level))) : stack);
        }
        return stacks;
    }

    /**
     * Inverts {@link #decompose}: uses the coarsest stack's LL and every level's details (the finer LLs are redundant
     * and ignored). Undoes the per-level scaling when {@link #levelScaling()}.
     *
     * @throws IllegalArgumentException if the stacks' shapes do not form a pyramid
     */
    public Tensor reconstruct(List<Tensor> stacks) {
        if (stacks.isEmpty()) {
            throw new IllegalArgumentException("no wavelet levels to reconstruct");
        }
        Tensor ll = null;
        for (int level = stacks.size(); level >= 1; level--) {
            Tensor stack = stacks.get(level - 1);
            if (levelScaling) {
                stack = stack.mul(new Scalar((double) (1L << level)));
            }
            if (ll != null) {
                long c = stack.size(1) / 4;
                if (ll.dim() != 4
                        || stack.dim() != 4
                        || ll.size(1) != c
                        || ll.size(2) != stack.size(2)
                        || ll.size(3) != stack.size(3)) {
                    throw new IllegalArgumentException("level " + level + " stack " + Shapes.describe(stack)
                            + " does not match the reconstructed LL " + Shapes.describe(ll));
                }
                stack = cat(new TensorVector(ll, stack.narrow(1, c, 3 * c)), 1);
            }
            ll = inverse(stack);
        }
        return ll;
    }

    /** The LL channels of a stack (N, 4C, h, w) -> (N, C, h, w). */
    public static Tensor lowpass(Tensor stack) {
        return stack.narrow(1, 0, stack.size(1) / 4);
    }

    /** The three detail bands of a stack (N, 4C, h, w) -> (N, 3C, h, w), in the stack's order. */
    public static Tensor details(Tensor stack) {
        long c = stack.size(1) / 4;
        return stack.narrow(1, c, 3 * c);
    }

    private static void requireEven(Tensor x, String what) {
        if (x == null || x.isNull() || !x.defined() || x.dim() != 4) {
            throw new IllegalArgumentException(what + " must be 4-D (N, C, H, W), got "
                    + (x == null || x.isNull() || !x.defined() ? "undefined" : Shapes.describe(x)));
        }
        if (x.size(2) == 0 || x.size(3) == 0 || x.size(2) % 2 != 0 || x.size(3) % 2 != 0) {
            throw new IllegalArgumentException(what + " needs even, non-zero H and W (odd sizes are not padded),"
                    + " got shape " + Shapes.describe(x));
        }
        if (!x.is_floating_point()) {
            throw new IllegalArgumentException(what + " must be floating point, got " + x.scalar_type());
        }
    }
}
