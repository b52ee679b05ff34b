package dev.vae4j.diffusion.dit;

import static org.bytedeco.pytorch.global.torch.tensor;

import dev.vae4j.core.tensor.TensorScope;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import org.bytedeco.pytorch.Tensor;

/** Invariants of DiT's sinusoidal features: every (cos, sin) pair lies on the unit circle; t = 0 is (1, 0). */
class SinCosEmbeddingsProperties {

    @Property(tries = 50)
    boolean timestepFeaturesHaveUnitPairs(@ForAll @FloatRange(min = 0, max = 1000) float t) {
        try (TensorScope scope = new TensorScope()) {
            Tensor features = SinCosEmbeddings.timesteps(tensor(new float[] {t, 0f}), 256);
            double norm = features.get(0).square().sum().item_double();
            double cosAtZero = features.get(1).narrow(0, 0, 128).sum().item_double();
            double sinAtZero = features.get(1).narrow(0, 128, 128).abs().sum().item_double();
            return Math.abs(norm - 128) < 1e-4 && cosAtZero == 128 && sinAtZero == 0;
        }
    }

    @Property(tries = 30)
    boolean positionRowsHaveUnitPairsAndTheFirstTokenIsTheOrigin(
            @ForAll @IntRange(min = 1, max = 12) int grid,
            @ForAll @IntRange(min = 1, max = 12) int base,
            @ForAll @IntRange(min = 1, max = 8) int quarterDim) {
        try (TensorScope scope = new TensorScope()) {
            int dim = 4 * quarterDim;
            Tensor table = SinCosEmbeddings.positions(dim, grid, base).squeeze(0);
            Tensor norms = table.square().sum(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
            double worst = norms.sub(new org.bytedeco.pytorch.Scalar(dim / 2.0))
                    .abs()
                    .max()
                    .item_double();
            double originSin = table.get(0).narrow(0, 0, quarterDim).abs().sum().item_double();
            return table.size(0) == (long) grid * grid && worst < 1e-5 && originSin == 0;
        }
    }
}
