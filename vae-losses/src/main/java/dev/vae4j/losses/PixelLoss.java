package dev.vae4j.losses;

import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * Mean pixel loss of images (N, C, H, W): {@code mean(|x - y|)} (L1) or {@code mean((x - y)^2)} (L2/MSE), averaged over
 * every element, a 0-d tensor in squared (L2) or plain (L1) image units.
 */
public final class PixelLoss {
    private final PixelDistance distance;

    /** A mean pixel loss with the given distance. */
    public PixelLoss(PixelDistance distance) {
        this.distance = Objects.requireNonNull(distance, "distance");
    }

    /** {@code mean(|x - y|)}. */
    public static PixelLoss l1() {
        return new PixelLoss(PixelDistance.L1);
    }

    /** {@code mean((x - y)^2)}. */
    public static PixelLoss mse() {
        return new PixelLoss(PixelDistance.L2);
    }

    /** The distance this loss averages. */
    public PixelDistance distance() {
        return distance;
    }

    /** The mean loss of two same-shape images, 0-d. */
    public Tensor loss(Tensor x, Tensor y) {
        ImageChecks.requirePair(x, y, "pixel loss");
        return distance.elementwise(x, y).mean();
    }
}
