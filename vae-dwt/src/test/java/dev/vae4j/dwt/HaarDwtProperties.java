package dev.vae4j.dwt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/** Algebraic properties of the Haar DWT on random float64 batches of random shape. */
class HaarDwtProperties {
    private static HaarDwt dwt(boolean torchDwtOrder, boolean scaled) {
        return new HaarDwt(torchDwtOrder ? SubbandOrder.TORCH_DWT : SubbandOrder.PYWT, scaled);
    }

    @Property(tries = 40)
    void perfectReconstruction(
            @ForAll @IntRange(min = 1, max = 3) int n,
            @ForAll @IntRange(min = 1, max = 4) int c,
            @ForAll @IntRange(min = 1, max = 3) int levels,
            @ForAll @IntRange(min = 1, max = 3) int hBlocks,
            @ForAll @IntRange(min = 1, max = 3) int wBlocks,
            @ForAll boolean torchDwtOrder,
            @ForAll boolean scaled,
            @ForAll long seed) {
        try (TensorScope scope = new TensorScope()) {
            long side = 1L << levels;
            Tensor x = TestTensors.randnDouble(seed, n, c, hBlocks * side, wBlocks * side);
            HaarDwt dwt = dwt(torchDwtOrder, scaled);
            Tensor back = dwt.reconstruct(dwt.decompose(x, levels));
            assertEquals(0.0, Fixtures.maxAbsDiff(x, back), 1e-12);
            assertEquals(0.0, Fixtures.maxAbsDiff(x, dwt.inverse(dwt.forward(x))), 1e-12);
        }
    }

    @Property(tries = 40)
    void energyIsPreserved(
            @ForAll @IntRange(min = 1, max = 3) int c,
            @ForAll @IntRange(min = 1, max = 3) int levels,
            @ForAll @IntRange(min = 1, max = 3) int blocks,
            @ForAll boolean torchDwtOrder,
            @ForAll long seed) {
        try (TensorScope scope = new TensorScope()) {
            long side = 1L << levels;
            Tensor x = TestTensors.randnDouble(seed, 2, c, blocks * side, (blocks + 1) * side);
            List<Tensor> stacks = dwt(torchDwtOrder, false).decompose(x, levels);
            double coefficients = HaarDwt.lowpass(stacks.get(levels - 1))
                    .pow(new Scalar(2))
                    .sum()
                    .item_double();
            for (Tensor stack : stacks) {
                coefficients += HaarDwt.details(stack).pow(new Scalar(2)).sum().item_double();
            }
            double energy = x.pow(new Scalar(2)).sum().item_double();
            assertEquals(energy, coefficients, 1e-9 * energy);
        }
    }

    @Property(tries = 30)
    void levelThreeLowpassOverEightIsTheBlockMean(
            @ForAll @IntRange(min = 1, max = 3) int c,
            @ForAll @IntRange(min = 1, max = 3) int hBlocks,
            @ForAll @IntRange(min = 1, max = 3) int wBlocks,
            @ForAll boolean torchDwtOrder,
            @ForAll long seed) {
        try (TensorScope scope = new TensorScope()) {
            Tensor x = TestTensors.randnDouble(seed, 1, c, 8L * hBlocks, 8L * wBlocks);
            Tensor ll3 =
                    HaarDwt.lowpass(dwt(torchDwtOrder, false).decompose(x, 3).get(2));
            Tensor blockMean = org.bytedeco.pytorch.global.torch.avg_pool2d(x, 8, 8);
            assertEquals(0.0, Fixtures.maxAbsDiff(blockMean, ll3.div(new Scalar(8.0))), 1e-12);
            // with the paper's scaling, LL3 is the block mean itself
            Tensor scaledLl3 =
                    HaarDwt.lowpass(dwt(torchDwtOrder, true).decompose(x, 3).get(2));
            assertEquals(0.0, Fixtures.maxAbsDiff(blockMean, scaledLl3), 1e-12);
        }
    }

    @Property(tries = 30)
    void isLinear(
            @ForAll @IntRange(min = 1, max = 2) int levels,
            @ForAll @IntRange(min = -30, max = 30) int a10,
            @ForAll @IntRange(min = -30, max = 30) int b10,
            @ForAll boolean torchDwtOrder,
            @ForAll boolean scaled,
            @ForAll long seed) {
        try (TensorScope scope = new TensorScope()) {
            double a = a10 / 10.0;
            double b = b10 / 10.0;
            Tensor x = TestTensors.randnDouble(seed, 2, 3, 8, 12);
            Tensor y = TestTensors.randnDouble(seed + 1, 2, 3, 8, 12);
            HaarDwt dwt = dwt(torchDwtOrder, scaled);
            List<Tensor> combined = dwt.decompose(x.mul(new Scalar(a)).add(y.mul(new Scalar(b))), levels);
            List<Tensor> dx = dwt.decompose(x, levels);
            List<Tensor> dy = dwt.decompose(y, levels);
            for (int l = 0; l < levels; l++) {
                Tensor expected = dx.get(l).mul(new Scalar(a)).add(dy.get(l).mul(new Scalar(b)));
                assertEquals(0.0, Fixtures.maxAbsDiff(expected, combined.get(l)), 1e-12);
            }
        }
    }
}
