package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.avg_pool2d;

import dev.vae4j.core.tensor.Shapes;
import org.bytedeco.pytorch.Tensor;

/**
 * cloneofsimo/vqgan-training's "pooled MSE": both images (N, C, H, W) are average-pooled with a {@code k x k} kernel
 * and stride {@code k} (= {@code F.interpolate(scale_factor=1/k, mode="area")} when k divides H and W), then
 * {@code mean((pool(x) - pool(y))^2)}, a 0-d tensor. High frequencies inside a k x k cell are ignored, and by Jensen's
 * inequality the pooled MSE never exceeds the plain MSE. H and W must be multiples of k. (The original's v0.2 code also
 * weights by a blurriness mask and uses L1; this class is the README's pooled MSE.)
 */
public final class PooledMse {
    private final long kernel;

    /** Pooled MSE with pooling kernel and stride {@code kernel} (>= 1). */
    public PooledMse(int kernel) {
        if (kernel < 1) {
            throw new IllegalArgumentException("pooling kernel must be >= 1, got " + kernel);
        }
        this.kernel = kernel;
    }

    /** The pooling kernel (and stride). */
    public long kernel() {
        return kernel;
    }

    /** The pooled MSE of two same-shape images, 0-d. */
    public Tensor loss(Tensor x, Tensor y) {
        ImageChecks.requirePair(x, y, "pooled MSE");
        if (x.size(2) % kernel != 0 || x.size(3) % kernel != 0) {
            throw new IllegalArgumentException("pooled MSE: image sides must be multiples of the kernel " + kernel
                    + ", got " + Shapes.describe(x));
        }
        return PixelDistance.L2.elementwise(pool(x), pool(y)).mean();
    }

    private Tensor pool(Tensor t) {
        return kernel == 1 ? t : avg_pool2d(t, kernel, kernel);
    }
}
