package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.huber_loss;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Elementwise pixel distances, same shape as the inputs: {@code |x - y|} (L1), {@code (x - y)^2} (L2), or PyTorch's
 * Huber loss with delta 1 ({@code 0.5 d^2} where {@code |d| < 1}, else {@code |d| - 0.5}; pytorch-diffusion's default
 * {@code nn.HuberLoss()}).
 */
public enum PixelDistance {
    /** Absolute difference. */
    L1,
    /** Squared difference. */
    L2,
    /** Huber with delta 1 (smooth L1). */
    HUBER;

    /** libtorch's {@code at::Reduction::None}. */
    private static final long NO_REDUCTION = 0;

    /** The elementwise distance of two same-shape tensors. */
    public Tensor elementwise(Tensor x, Tensor y) {
        return switch (this) {
            case L1 -> x.sub(y).abs();
            case L2 -> x.sub(y).pow(new Scalar(2));
            case HUBER -> huber_loss(x, y, NO_REDUCTION, 1.0);
        };
    }
}
