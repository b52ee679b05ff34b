package dev.vae4j.diffusion.objective;

import static org.bytedeco.pytorch.global.torch.huber_loss;
import static org.bytedeco.pytorch.global.torch.l1_loss;
import static org.bytedeco.pytorch.global.torch.mse_loss;

import dev.vae4j.core.tensor.Shapes;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.Reduction;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The element-wise regression loss between a prediction and its target, as stanipov/pytorch-diffusion's
 * {@code src/losses/util.py: loss_fn} builds it: {@code nn.MSELoss()}, {@code nn.L1Loss()} and {@code nn.HuberLoss()}
 * (delta 1, mean reduction); L2 is also diffusers' training scripts' {@code F.mse_loss(pred.float(), target.float())}.
 * Half and bfloat16 inputs are computed in float32, as those scripts do.
 */
public enum RegressionLoss {
    /** Squared error (torch {@code mse_loss}). */
    L2,
    /** Absolute error (torch {@code l1_loss}). */
    L1,
    /** Huber with delta 1: {@code 0.5 d^2} for {@code |d| < 1}, {@code |d| - 0.5} beyond (torch {@code huber_loss}). */
    HUBER;

    /** The Huber loss's delta, {@code nn.HuberLoss}'s default. */
    public static final double HUBER_DELTA = 1.0;

    /**
     * The mean over every element, as {@code nn.MSELoss()} / {@code nn.L1Loss()} / {@code nn.HuberLoss()} do.
     *
     * @param prediction any shape, floating point
     * @param target the same shape
     * @return a scalar tensor (float32 for reduced-precision inputs), differentiable
     */
    public Tensor mean(Tensor prediction, Tensor target) {
        requireSameShape(prediction, target);
        return apply(upcast(prediction), upcast(target), Reduction.Mean);
    }

    /**
     * The per-sample mean over every dimension but the first, times {@code weights}, averaged over the batch:
     * diffusers' min-SNR step ({@code loss.mean(dim=[1..]) * mse_loss_weights}, then {@code .mean()}) and its SD3
     * flow-matching step (per-sample weights).
     *
     * @param prediction (N, ...) floating point
     * @param target the same shape
     * @param weights (N) per-sample weights
     * @return a scalar tensor, differentiable
     */
    public Tensor weightedMean(Tensor prediction, Tensor target, Tensor weights) {
        requireSameShape(prediction, target);
        if (weights.dim() != 1 || weights.size(0) != prediction.size(0)) {
            throw new IllegalArgumentException("loss weights must be (N) with N = " + prediction.size(0)
                    + ", got shape " + Shapes.describe(weights));
        }
        Tensor elementwise = apply(upcast(prediction), upcast(target), Reduction.None);
        long[] dims = new long[(int) elementwise.dim() - 1];
        Arrays.setAll(dims, i -> i + 1);
        Tensor perSample = dims.length == 0 ? elementwise : elementwise.mean(dims);
        return perSample
                .mul(weights.to(perSample.device(), perSample.scalar_type()))
                .mean();
    }

    private Tensor apply(Tensor prediction, Tensor target, Reduction reduction) {
        return switch (this) {
            case L2 -> mse_loss(prediction, target, reduction.value);
            case L1 -> l1_loss(prediction, target, reduction.value);
            case HUBER -> huber_loss(prediction, target, reduction.value, HUBER_DELTA);
        };
    }

    private static Tensor upcast(Tensor t) {
        ScalarType type = t.scalar_type().intern();
        return type == ScalarType.Half || type == ScalarType.BFloat16 ? t.to(ScalarType.Float) : t;
    }

    private static void requireSameShape(Tensor prediction, Tensor target) {
        if (prediction.dim() == 0
                || !Arrays.equals(
                        prediction.sizes().vec().get(), target.sizes().vec().get())) {
            throw new IllegalArgumentException("prediction and target must have the same (N, ...) shape, got "
                    + Shapes.describe(prediction) + " and " + Shapes.describe(target));
        }
    }
}
