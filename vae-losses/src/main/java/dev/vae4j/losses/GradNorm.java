package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.linalg_vector_norm;

import java.util.Objects;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorTensorHook;

/**
 * cloneofsimo/vqgan-training's gradient normalisation: {@link #apply(Tensor)} returns an identity view of its input
 * whose backward pass replaces the incoming gradient g by {@code weight * g / (||g|| + 1e-8)}, so that a loss branch
 * fed through it sends a gradient of norm {@code weight} (up to the 1e-8) to the shared input, whatever the branch's
 * scale. Use one {@code GradNorm} per branch. The norm is over the whole tensor ({@link Mode#WHOLE}, vqgan-training
 * HEAD without its all-reduce), over the batch dimension per element ({@link Mode#BATCH}, vqgan-training v0.2's
 * {@code linalg.norm(g, dim=0)}) or per sample ({@link Mode#PER_SAMPLE}).
 *
 * <p>Implemented as a tensor hook on {@code x.view_as(x)} (libtorch's custom autograd functions are not reachable from
 * Java). The hook object is a field, so it lives as long as this {@code GradNorm}: keep the instance reachable while
 * graphs built through it are alive.
 */
public final class GradNorm {
    /** The denominator's epsilon. */
    public static final double EPS = 1e-8;

    /** Which norm divides the gradient. */
    public enum Mode {
        /** One L2 norm over every element. */
        WHOLE,
        /** For each (C, H, W) element, the L2 norm across the batch (dim 0). */
        BATCH,
        /** For each sample, the L2 norm over its (C, H, W) elements. */
        PER_SAMPLE
    }

    private final Mode mode;
    private final double weight;
    private final TensorTensorHook hook;

    /** Whole-tensor normalisation to unit norm. */
    public GradNorm() {
        this(Mode.WHOLE, 1.0);
    }

    /**
     * @param mode which norm
     * @param weight the norm the branch's gradient is scaled to (> 0, finite)
     */
    public GradNorm(Mode mode, double weight) {
        this.mode = Objects.requireNonNull(mode, "mode");
        if (!(weight > 0) || !Double.isFinite(weight)) {
            throw new IllegalArgumentException("gradnorm weight must be positive and finite, got " + weight);
        }
        this.weight = weight;
        this.hook = new TensorTensorHook() {
            @Override
            public TensorBase call(TensorBase incoming) {
                return normalize(new Tensor(incoming));
            }
        };
    }

    /** The norm mode. */
    public Mode mode() {
        return mode;
    }

    /**
     * An identity of {@code x} (same shape and values) whose gradient is normalised; returns {@code x} itself if it
     * does not require grad (there is then nothing to normalise).
     */
    public Tensor apply(Tensor x) {
        if (x == null || x.isNull() || !x.defined()) {
            throw new IllegalArgumentException("gradnorm input is undefined");
        }
        if (!x.requires_grad()) {
            return x;
        }
        if (mode != Mode.WHOLE && x.dim() < 1) {
            throw new IllegalArgumentException("gradnorm " + mode + " needs a batch dimension, got a 0-d tensor");
        }
        Tensor y = x.view_as(x);
        y.register_hook(hook);
        return y;
    }

    /** {@code weight * g / (||g|| + eps)} with this instance's norm. */
    Tensor normalize(Tensor g) {
        Tensor norm;
        switch (mode) {
            case BATCH:
                norm = linalg_vector_norm(g, new Scalar(2.0), new long[] {0}, true, new ScalarTypeOptional());
                break;
            case PER_SAMPLE:
                long[] dims = new long[(int) g.dim() - 1];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = i + 1;
                }
                norm = dims.length == 0
                        ? g.abs()
                        : linalg_vector_norm(g, new Scalar(2.0), dims, true, new ScalarTypeOptional());
                break;
            default:
                norm = linalg_vector_norm(g);
        }
        Tensor out = g.div(norm.add(new Scalar(EPS)));
        return weight == 1.0 ? out : out.mul(new Scalar(weight));
    }
}
