package dev.vae4j.train.metrics;

import static org.bytedeco.pytorch.global.torch.adaptive_avg_pool2d;

import dev.vae4j.core.tensor.Shapes;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The weights-free feature map of the latent Frechet distance: latents (N, C, h, w) are average-pooled to a {@code grid
 * x grid} layout ({@code adaptive_avg_pool2d}) and flattened channel-major to vectors (N, C * grid^2) in float32.
 *
 * <p>Why pooling to a small grid: the Frechet distance fits a Gaussian to the features, and a covariance of D
 * dimensions needs well over D samples to be estimated; the raw latents of a 256 px image (4 x 32 x 32 = 4096 numbers)
 * would need tens of thousands of generated samples, where an online evaluation draws a few hundred. Pooling keeps the
 * quantities a denoiser gets wrong first — the per-channel level and its coarse spatial layout, and how channels vary
 * together — in D = C * grid^2 dimensions (16 for SD's 4 channels at the default grid 2), cheap and stable from few
 * samples. Fine texture is not seen: that is what the image FID with Inception features adds.
 */
public final class LatentFeatureMap {
    /** The default grid side: D = 4 C features. */
    public static final int DEFAULT_GRID = 2;

    private final int grid;

    /**
     * A map pooling to {@code grid x grid} cells.
     *
     * @throws IllegalArgumentException if {@code grid < 1}
     */
    public LatentFeatureMap(int grid) {
        if (grid < 1) {
            throw new IllegalArgumentException("latent feature grid must be at least 1, got " + grid);
        }
        this.grid = grid;
    }

    /** The map with {@link #DEFAULT_GRID}. */
    public static LatentFeatureMap standard() {
        return new LatentFeatureMap(DEFAULT_GRID);
    }

    /** The grid side. */
    public int grid() {
        return grid;
    }

    /** The feature dimension D = {@code channels * grid^2} for latents of {@code channels} channels. */
    public long dimension(long channels) {
        return channels * grid * grid;
    }

    /**
     * Features (N, C * grid^2) float32 of latents (N, C, h, w), h and w at least the grid.
     *
     * @throws IllegalArgumentException if the latents are not 4-D or smaller than the grid
     */
    public Tensor features(Tensor latents) {
        if (latents.dim() != 4 || latents.size(2) < grid || latents.size(3) < grid) {
            throw new IllegalArgumentException("latent features need latents (N, C, h, w) with h, w >= " + grid
                    + " (the grid), got " + Shapes.describe(latents));
        }
        return adaptive_avg_pool2d(latents.to(ScalarType.Float), grid, grid).flatten(1, -1);
    }
}
