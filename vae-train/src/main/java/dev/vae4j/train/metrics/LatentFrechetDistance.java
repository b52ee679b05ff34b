package dev.vae4j.train.metrics;

import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Tensor;

/**
 * The latent Frechet distance: the {@link FrechetDistance} between the Gaussian statistics ({@link FeatureStatistics})
 * of two sets of latents mapped by a {@link LatentFeatureMap}. It needs no network weights, so it scores generated
 * latents against real ones on any data, the built-in synthetic images included. Zero for identical sets; a shift of
 * every latent by {@code s_c} in channel c adds {@code grid^2 * sum_c s_c^2}.
 */
public final class LatentFrechetDistance {
    private LatentFrechetDistance() {}

    /**
     * The distance between latents {@code a} (N, C, h, w) and {@code b} (M, C, h', w'), N and M at least 2.
     *
     * @throws IllegalArgumentException if the channels differ, a set has fewer than 2 latents, or the latents are
     *     smaller than the map's grid
     */
    public static double of(Tensor a, Tensor b, LatentFeatureMap map) {
        if (a.dim() != 4 || b.dim() != 4 || a.size(1) != b.size(1) || a.size(0) < 2 || b.size(0) < 2) {
            throw new IllegalArgumentException("latent Frechet distance needs two sets of at least 2 latents (N, C, h,"
                    + " w) with the same channels, got " + Shapes.describe(a) + " and " + Shapes.describe(b));
        }
        long dimension = map.dimension(a.size(1));
        try (TensorScope scope = new TensorScope();
                FeatureStatistics first = new FeatureStatistics(dimension);
                FeatureStatistics second = new FeatureStatistics(dimension)) {
            first.add(map.features(a));
            second.add(map.features(b));
            return FrechetDistance.of(first.mean(), first.covariance(), second.mean(), second.covariance());
        }
    }
}
