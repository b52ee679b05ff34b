package dev.vae4j.diffusion.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;
import org.bytedeco.pytorch.Tensor;

/** Invariants of every schedule kind over random lengths and beta ranges. */
class NoiseScheduleProperties {

    private static NoiseSchedule diffusers(int kind, int timesteps, double start, double span) {
        return NoiseSchedule.diffusers(BetaSchedule.values()[kind], timesteps, start, start + span);
    }

    @Property(tries = 60)
    void alphasCumprodStrictlyDecreasesInsideZeroOne(
            @ForAll @IntRange(min = 0, max = 3) int kind,
            @ForAll @IntRange(min = 2, max = 2000) int timesteps,
            @ForAll @DoubleRange(min = 1e-5, max = 1e-2) @Scale(7) double start,
            @ForAll @DoubleRange(min = 0, max = 0.05) double span) {
        double[] alphas = diffusers(kind, timesteps, start, span).alphasCumprod();
        assertEquals(timesteps, alphas.length);
        assertTrue(alphas[0] > 0 && alphas[0] <= 1, "alpha-bar_0 = " + alphas[0]);
        for (int t = 1; t < timesteps; t++) {
            assertTrue(alphas[t] < alphas[t - 1] && alphas[t] > 0, "alpha-bar not strictly decreasing at " + t);
        }
    }

    @Property(tries = 40)
    void zeroTerminalSnrEndsAtZeroAndKeepsTheFirstValue(
            @ForAll @IntRange(min = 0, max = 3) int kind,
            @ForAll @IntRange(min = 2, max = 1500) int timesteps,
            @ForAll @DoubleRange(min = 1e-5, max = 1e-2) @Scale(7) double start,
            @ForAll @DoubleRange(min = 1e-3, max = 0.05) @Scale(6) double span) {
        NoiseSchedule original = diffusers(kind, timesteps, start, span);
        NoiseSchedule rescaled = original.withZeroTerminalSnr();
        double[] alphas = rescaled.alphasCumprod();
        assertEquals(0.0, alphas[timesteps - 1], "alpha-bar_{T-1}");
        assertEquals(1.0, rescaled.betas()[timesteps - 1], "last beta");
        assertEquals(original.alphasCumprod()[0], alphas[0], 1e-6, "alpha-bar_0 keeps its value");
        for (int t = 1; t < timesteps; t++) {
            assertTrue(alphas[t] < alphas[t - 1], "rescaled alpha-bar not strictly decreasing at " + t);
        }
    }

    @Property(tries = 40)
    void pytorchDiffusionBetasStayInsideTheirClip(
            @ForAll @IntRange(min = 0, max = 3) int kind,
            @ForAll @IntRange(min = 2, max = 1500) int timesteps,
            @ForAll @DoubleRange(min = 0, max = 0.1) double s) {
        double[] betas = NoiseSchedule.pytorchDiffusion(
                        PytorchDiffusionSchedule.values()[kind], timesteps, s, 0.0001, 0.02)
                .betas();
        for (double beta : betas) {
            assertTrue(beta >= (float) 0.0001 && beta <= (float) 0.9999, "beta " + beta + " outside [1e-4, 0.9999]");
        }
    }

    @Property(tries = 30)
    void tensorIsTheFloat32RoundingOfTheFloat64Product(
            @ForAll @IntRange(min = 0, max = 3) int kind, @ForAll @IntRange(min = 2, max = 500) int timesteps) {
        NoiseSchedule schedule = diffusers(kind, timesteps, 0.0001, 0.02);
        double[] alphas = schedule.alphasCumprod();
        try (TensorScope scope = new TensorScope()) {
            Tensor tensor = schedule.alphasCumprodTensor();
            float[] values = new float[timesteps];
            tensor.data_ptr_float().get(values);
            for (int t = 0; t < timesteps; t++) {
                assertEquals((float) alphas[t], values[t], 0f, "t = " + t);
                assertEquals((float) alphas[t], schedule.alphaCumprod(t), 0f, "t = " + t);
            }
        }
    }

    @Property(tries = 30)
    void fromBetasRejectsBetasOutsideZeroOne(
            @ForAll @IntRange(min = 1, max = 50) int length,
            @ForAll @IntRange(min = 0, max = 49) int at,
            @ForAll @DoubleRange(min = -2, max = 0) double bad) {
        double[] betas = new double[length];
        java.util.Arrays.fill(betas, 0.01);
        betas[at % length] = bad;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.fromBetas(betas));
        assertTrue(e.getMessage().contains("beta[" + at % length + "]"), e.getMessage());
    }
}
