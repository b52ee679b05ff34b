package dev.vae4j.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * jqwik properties of the loss math on small random tensors (seeded per try). Each property's javadoc names a
 * deliberately broken implementation it fails on.
 */
class LossProperties {
    private static TensorScope scope;
    private static Lpips lpips;

    @BeforeContainer
    static void load() {
        scope = new TensorScope();
        lpips = Lpips.fromSafetensors(Fixtures.dir("losses").resolve("lpips_weights.safetensors"));
    }

    @AfterContainer
    static void free() {
        scope.close();
    }

    static Tensor randn(long seed, long... shape) {
        Generator g = torch.make_generator_cpu();
        g.set_current_seed(seed);
        return torch.randn(shape, new GeneratorOptional(g), new TensorOptions(torch.ScalarType.Float));
    }

    static double v(Tensor t) {
        return t.item_double();
    }

    /**
     * Huber (delta 1) lies between the two pixel distances it joins: {@code huber <= L1}, {@code huber <= L2 / 2},
     * equal to {@code L2 / 2} where {@code |d| < 1} and to {@code L1 - 1/2} elsewhere, symmetric in its arguments
     * (1e-6). Broken: delta 0.5 ({@code huber > L2 / 2} nowhere, but {@code != L1 - 1/2} for |d| >= 1), or no 1/2 on
     * the quadratic branch ({@code huber > L1} near |d| = 1).
     */
    @Property(tries = 50)
    void huberJoinsHalfSquaredAndShiftedAbsoluteDistances(
            @ForAll long seed, @ForAll @DoubleRange(min = 0.1, max = 4) double spread) {
        try (TensorScope s = new TensorScope()) {
            Tensor x = randn(seed, 2, 3, 4, 4).mul(new Scalar(spread));
            Tensor y = randn(seed + 1, 2, 3, 4, 4).mul(new Scalar(spread));
            Tensor huber = PixelDistance.HUBER.elementwise(x, y);
            Tensor l1 = PixelDistance.L1.elementwise(x, y);
            Tensor halfL2 = PixelDistance.L2.elementwise(x, y).mul(new Scalar(0.5));
            Tensor expected = torch.where(l1.lt(new Scalar(1.0)), halfL2, l1.sub(new Scalar(0.5)));
            assertEquals(0.0, v(huber.sub(expected).abs().max()), 1e-6);
            assertTrue(v(huber.sub(l1).max()) <= 1e-6, "huber <= L1");
            assertTrue(v(huber.sub(halfL2).max()) <= 1e-6, "huber <= L2 / 2");
            assertEquals(
                    0.0,
                    v(huber.sub(PixelDistance.HUBER.elementwise(y, x)).abs().max()),
                    1e-6);
        }
    }

    /**
     * KL(q || N(0, I)) > 0 away from the origin and exactly 0 at mean 0, logvar 0. Broken: dropping the {@code -
     * logvar} term ({@code var - 1} is negative for logvar < 0, so the KL goes negative), or {@code + 1} instead of
     * {@code - 1} (KL 1 per element at the origin).
     */
    @Property(tries = 50)
    void klToStandardNormalIsNonNegativeAndZeroOnlyAtTheOrigin(
            @ForAll long seed, @ForAll @DoubleRange(min = 0.01, max = 3) double spread) {
        try (TensorScope s = new TensorScope()) {
            Tensor mean = randn(seed, 2, 3, 4, 4).mul(new Scalar(spread));
            Tensor logvar = randn(seed + 1, 2, 3, 4, 4).mul(new Scalar(spread));
            Tensor kl = KlDivergence.toStandardNormal(mean, logvar);
            assertTrue(v(kl.min()) > 0, "KL > 0 away from the origin");
            Tensor zero = torch.zeros(2, 3, 4, 4);
            assertEquals(0.0, v(KlDivergence.toStandardNormal(zero, zero).abs().max()), 0.0);
        }
    }

    /**
     * KL(q || q) = 0 and KL(q || p) >= 0. Broken: swapping var_q / var_p in the ratio term (KL(q||q) stays 0 but
     * KL(q||p) goes negative), or adding {@code logvar_q} instead of subtracting it (KL(q||q) != 0).
     */
    @Property(tries = 50)
    void klBetweenGaussiansIsZeroOnItselfAndNonNegative(@ForAll long seed) {
        try (TensorScope s = new TensorScope()) {
            Tensor m1 = randn(seed, 2, 2, 3, 3);
            Tensor l1 = randn(seed + 1, 2, 2, 3, 3);
            Tensor m2 = randn(seed + 2, 2, 2, 3, 3);
            Tensor l2 = randn(seed + 3, 2, 2, 3, 3);
            assertEquals(0.0, v(KlDivergence.between(m1, l1, m1, l1).abs().max()), 1e-5);
            assertTrue(v(KlDivergence.between(m1, l1, m2, l2).min()) >= -1e-5);
        }
    }

    /**
     * Hinge and vanilla D losses are >= 0; hinge is 0 when real >= 1 and fake <= -1; vanilla is log 2 at zero logits
     * and vanishes for confident logits. Broken: hinge without relu (negative for confident logits), vanilla with
     * {@code softplus(real)} instead of {@code softplus(-real)} (does not vanish for real >> 0), or without the 0.5
     * factor (2 log 2 at zero).
     */
    @Property(tries = 50)
    void discriminatorLossesAreNonNegativeWithKnownMinima(
            @ForAll long seed, @ForAll @DoubleRange(min = 0.1, max = 5) double scale) {
        try (TensorScope s = new TensorScope()) {
            Tensor r = randn(seed, 2, 1, 4, 4).mul(new Scalar(scale));
            Tensor f = randn(seed + 1, 2, 1, 4, 4).mul(new Scalar(scale));
            for (DiscriminatorLoss l : DiscriminatorLoss.values()) {
                assertTrue(v(l.loss(r, f)) >= 0, l + " >= 0");
            }
            Tensor real = r.abs().add(new Scalar(1.0));
            Tensor fake = f.abs().add(new Scalar(1.0)).neg();
            assertEquals(0.0, v(DiscriminatorLoss.HINGE.loss(real, fake)), 0.0);
            Tensor zero = torch.zeros(2, 1, 4, 4);
            assertEquals(Math.log(2), v(DiscriminatorLoss.VANILLA.loss(zero, zero)), 1e-6);
            assertTrue(v(DiscriminatorLoss.VANILLA.loss(real.mul(new Scalar(20)), fake.mul(new Scalar(20)))) < 1e-6);
        }
    }

    /**
     * The thresholded hinge is 0 where D(x̂) >= D(x) - margin everywhere and positive otherwise. Broken: the sign of
     * the margin flipped ({@code + margin}) gives a positive loss at D(x̂) = D(x) - margin/2.
     */
    @Property(tries = 50)
    void thresholdedHingeIsZeroWhenTheMarginHolds(
            @ForAll long seed, @ForAll @DoubleRange(min = 0.0, max = 1.0) double margin) {
        try (TensorScope s = new TensorScope()) {
            Tensor r = randn(seed, 2, 1, 3, 3);
            Tensor fakeWithin = r.sub(new Scalar(margin / 2));
            assertEquals(0.0, v(GeneratorGanLoss.thresholdedHinge(r, fakeWithin, margin)), 0.0);
            Tensor fakeBelow = r.sub(new Scalar(margin + 0.5));
            assertEquals(0.5, v(GeneratorGanLoss.thresholdedHinge(r, fakeBelow, margin)), 1e-5);
        }
    }

    /**
     * Adaptive weight: linear in the NLL's scale, inverse in the generator loss's scale (while ||∇g|| >> 1e-4), never
     * above 1e4 * disc_weight, 0 (not NaN) for a non-finite gradient. Broken: the norms swapped, a missing clamp, or no
     * finiteness guard.
     */
    @Property(tries = 50)
    void adaptiveWeightScalesAndClamps(
            @ForAll long seed,
            @ForAll @DoubleRange(min = 0.1, max = 10) double k,
            @ForAll @DoubleRange(min = 0.1, max = 2) double discWeight) {
        try (TensorScope s = new TensorScope()) {
            AdaptiveWeight aw = new AdaptiveWeight(discWeight);
            Tensor w = randn(seed, 3, 4, 3, 3).requires_grad_(true);
            Tensor c1 = randn(seed + 1, 3, 4, 3, 3);
            Tensor c2 = randn(seed + 2, 3, 4, 3, 3);
            Tensor nll = w.mul(c1).sum();
            Tensor g = w.mul(c2).sum();
            double base = aw.compute(nll, g, w).item_double();
            assertEquals(k * base, aw.compute(nll.mul(new Scalar(k)), g, w).item_double(), 1e-4 * k * base);
            double inverse = aw.compute(nll, g.mul(new Scalar(k)), w).item_double();
            assertEquals(base / k, inverse, 1e-3 * base / k);
            double clamped = aw.compute(nll.mul(new Scalar(1e9)), g, w).item_double();
            // float32 arithmetic, as LDM's tensors
            assertEquals(AdaptiveWeight.MAX * discWeight, clamped, 1e-6 * AdaptiveWeight.MAX * discWeight);
            assertEquals(0.0, aw.weight(scalar(Double.NaN), scalar(1.0)).item_double(), 0.0);
            assertEquals(
                    0.0,
                    aw.weight(scalar(1.0), scalar(Double.POSITIVE_INFINITY)).item_double(),
                    0.0);
            assertTrue(Double.isFinite(aw.weight(scalar(1.0), scalar(0.0)).item_double()));
        }
    }

    private static Tensor scalar(double value) {
        return org.bytedeco.pytorch.global.torch.full(new long[] {}, new Scalar(value));
    }

    /**
     * The gradient leaving gradnorm has unit norm (times its weight) for any incoming gradient, and the forward is the
     * identity. Broken: dividing by the squared norm, or normalising in forward instead of backward.
     */
    @Property(tries = 50)
    void gradnormEmitsUnitNormGradients(
            @ForAll long seed,
            @ForAll @DoubleRange(min = 0.01, max = 1000) double scale,
            @ForAll @DoubleRange(min = 0.1, max = 3) double weight) {
        try (TensorScope s = new TensorScope()) {
            GradNorm gn = new GradNorm(GradNorm.Mode.WHOLE, weight);
            Tensor x = randn(seed, 2, 3, 4, 4).requires_grad_(true);
            Tensor c = randn(seed + 1, 2, 3, 4, 4).mul(new Scalar(scale));
            Tensor y = gn.apply(x);
            assertEquals(0.0, v(y.sub(x).abs().max()), 0.0);
            y.mul(c).sum().backward();
            assertEquals(weight, v(torch.linalg_vector_norm(x.grad())), 1e-5 * weight);
        }
    }

    /** Pooled MSE <= MSE (Jensen). Broken: summing instead of averaging in the pool (pooled values k^2 larger). */
    @Property(tries = 50)
    void pooledMseNeverExceedsMse(@ForAll long seed, @ForAll @IntRange(min = 0, max = 3) int log2Kernel) {
        int kernel = 1 << log2Kernel;
        try (TensorScope s = new TensorScope();
                NoGradGuard ng = new NoGradGuard()) {
            Tensor a = randn(seed, 2, 3, 16, 16);
            Tensor b = randn(seed + 1, 2, 3, 16, 16);
            assertTrue(v(new PooledMse(kernel).loss(a, b)) <= v(PixelLoss.mse().loss(a, b)) * (1 + 1e-6));
        }
    }

    /**
     * LPIPS(x, x) = 0, LPIPS(x, y) = LPIPS(y, x) >= 0. Broken: a missing square of the feature difference (asymmetric
     * and signed), or normalising only one side's features.
     */
    @Property(tries = 15)
    void lpipsIsAZeroOnDiagonalSymmetricNonNegativeDistance(@ForAll long seed) {
        try (TensorScope s = new TensorScope();
                NoGradGuard ng = new NoGradGuard()) {
            Tensor x = torch.tanh(randn(seed, 2, 3, 32, 32));
            Tensor y = torch.tanh(randn(seed + 1, 2, 3, 32, 32));
            assertEquals(0.0, v(lpips.forward(x, x).abs().max()), 0.0);
            Tensor xy = lpips.forward(x, y);
            assertTrue(v(xy.min()) > 0);
            assertEquals(0.0, v(xy.sub(lpips.forward(y, x)).abs().max()), 1e-7);
            assertTrue(v(lpips.spatialMap(x, y).min()) >= 0);
        }
    }

    /**
     * The low-pass MSE ignores a perturbation made only of frequencies above its cut-off, and sees one below. Broken:
     * smoothing only (no spectral truncation), or truncating after the zero-padded smoothing.
     */
    @Property(tries = 30)
    void lowPassIgnoresHighFrequenciesAboveTheCutoff(
            @ForAll long seed,
            @ForAll @IntRange(min = 9, max = 16) int ky,
            @ForAll @IntRange(min = 0, max = 16) int kx,
            @ForAll @LongRange(min = 1, max = 2) long half) {
        try (TensorScope s = new TensorScope();
                NoGradGuard ng = new NoGradGuard()) {
            int size = 32;
            int kernel = (int) (2 * half + 1);
            LowPassMse loss = new LowPassMse(kernel, 0.25);
            Tensor x = randn(seed, 1, 3, size, size);
            Tensor high = wave(size, ky, kx); // radial frequency >= 9/32 > 0.25
            Tensor low = wave(size, 2, 1); // radial frequency ~0.07 < 0.25
            double scale = v(PixelLoss.mse().loss(high, torch.zeros_like(high)));
            assertTrue(v(loss.loss(x.add(high), x)) <= 1e-9 * Math.max(1, scale));
            assertTrue(v(loss.loss(x.add(low), x)) > 1e-3);
        }
    }

    /**
     * adopt_weight is 0 strictly before the start step and the weight from it on. Broken: {@code step > threshold} (the
     * GAN starts one step late) or {@code step >= threshold - 1} (one step early).
     */
    @Property(tries = 100)
    void adoptWeightSwitchesExactlyAtTheStartStep(
            @ForAll @LongRange(min = 0, max = 100_000) long threshold,
            @ForAll @LongRange(min = -3, max = 3) long offset,
            @ForAll @DoubleRange(min = 0.01, max = 10) double weight) {
        long step = Math.max(0, threshold + offset);
        assertEquals(step < threshold ? 0.0 : weight, AdoptWeight.apply(weight, step, threshold), 0.0);
    }

    /**
     * L1 and L2 pixel distances are non-negative, symmetric, zero on identical images, and L2 = L1^2 elementwise.
     * Broken: a signed difference (not symmetric), or L2 without the square.
     */
    @Property(tries = 50)
    void pixelDistancesAreSymmetricAndL2IsTheSquareOfL1(@ForAll long seed) {
        try (TensorScope s = new TensorScope();
                NoGradGuard ng = new NoGradGuard()) {
            Tensor a = randn(seed, 2, 3, 5, 5);
            Tensor b = randn(seed + 1, 2, 3, 5, 5);
            for (PixelDistance d : PixelDistance.values()) {
                Tensor ab = d.elementwise(a, b);
                assertTrue(v(ab.min()) >= 0, d + " >= 0");
                assertEquals(0.0, v(ab.sub(d.elementwise(b, a)).abs().max()), 0.0, d + " symmetric");
                assertEquals(0.0, v(d.elementwise(a, a).abs().max()), 0.0, d + " zero on itself");
            }
            Tensor l1 = PixelDistance.L1.elementwise(a, b);
            assertEquals(
                    0.0,
                    v(PixelDistance.L2.elementwise(a, b).sub(l1.mul(l1)).abs().max()),
                    1e-5);
        }
    }

    /**
     * LeCam: non-negative, 0 when real logits sit at or below the fake anchor and fake logits at or above the real
     * anchor, and each anchor moves towards its logits' mean by (1 - decay). Broken: relu dropped (negative values),
     * the anchors swapped, or the EMA weighting reversed ({@code decay * mean}).
     */
    @Property(tries = 50)
    void leCamIsNonNegativeAndItsAnchorsFollowTheLogits(
            @ForAll long seed, @ForAll @DoubleRange(min = 0.5, max = 0.99) double decay) {
        try (TensorScope s = new TensorScope();
                NoGradGuard ng = new NoGradGuard()) {
            LeCamRegularizer lecam = new LeCamRegularizer(decay);
            Tensor real = randn(seed, 2, 1, 3, 3);
            Tensor fake = randn(seed + 1, 2, 1, 3, 3);
            assertTrue(v(lecam.regularization(real, fake)) >= 0);
            // anchors are 0: real logits <= 0 and fake logits >= 0 give no penalty
            assertEquals(0.0, v(lecam.regularization(real.abs().neg(), fake.abs())), 0.0);
            lecam.update(real, fake);
            assertEquals((1 - decay) * v(real.mean()), lecam.emaReal(), 1e-6);
            assertEquals((1 - decay) * v(fake.mean()), lecam.emaFake(), 1e-6);
        }
    }

    /**
     * Batch reduction: MEAN is SUM / N, and both are invariant to the order of the samples. Broken: MEAN dividing by
     * the element count of another axis, or a reduction that reads only the first sample.
     */
    @Property(tries = 50)
    void batchReductionsAgreeUpToN(@ForAll long seed, @ForAll @IntRange(min = 1, max = 9) int n) {
        try (TensorScope s = new TensorScope();
                NoGradGuard ng = new NoGradGuard()) {
            Tensor values = randn(seed, n);
            Tensor reversed = torch.flip(values, 0);
            double sum = v(BatchReduction.SUM.apply(values));
            assertEquals(sum / n, v(BatchReduction.MEAN.apply(values)), 1e-5);
            assertEquals(sum, v(BatchReduction.SUM.apply(reversed)), 1e-5);
        }
    }

    private static Tensor wave(int size, int ky, int kx) {
        float[] data = new float[size * size];
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                data[i * size + j] = (float) Math.cos(2 * Math.PI * (ky * i + kx * j) / size);
            }
        }
        return torch.tensor(data)
                .view(1, 1, size, size)
                .expand(1, 3, size, size)
                .contiguous();
    }
}
