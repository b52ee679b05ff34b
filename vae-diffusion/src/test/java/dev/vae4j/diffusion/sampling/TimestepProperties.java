package dev.vae4j.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/** Invariants of the inference timesteps: in range, strictly descending, as many as asked. */
class TimestepProperties {

    private static void assertDescendingInRange(int[] timesteps, int trainTimesteps) {
        for (int i = 0; i < timesteps.length; i++) {
            assertTrue(timesteps[i] >= 0 && timesteps[i] < trainTimesteps, "timestep " + timesteps[i]);
            assertTrue(i == 0 || timesteps[i] < timesteps[i - 1], "not strictly descending at " + i);
        }
    }

    @Property(tries = 200)
    void leadingAndLinspaceGiveNDescendingTimesteps(
            @ForAll @IntRange(min = 1, max = 2000) int trainTimesteps, @ForAll @IntRange(min = 1, max = 2000) int n) {
        Assume.that(n <= trainTimesteps);
        for (TimestepSpacing spacing : new TimestepSpacing[] {TimestepSpacing.LEADING, TimestepSpacing.LINSPACE}) {
            int[] timesteps = spacing.timesteps(trainTimesteps, n, 0);
            assertEquals(n, timesteps.length, spacing + " count");
            assertDescendingInRange(timesteps, trainTimesteps);
        }
    }

    /** Trailing spacing either gives N valid timesteps or is refused (diffusers' numpy arange may add a -1). */
    @Property(tries = 200)
    void trailingGivesNDescendingTimestepsOrRefuses(
            @ForAll @IntRange(min = 1, max = 2000) int trainTimesteps, @ForAll @IntRange(min = 1, max = 2000) int n) {
        Assume.that(n <= trainTimesteps);
        int[] timesteps;
        try {
            timesteps = TimestepSpacing.TRAILING.timesteps(trainTimesteps, n, 0);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("timestep -1"), e.getMessage());
            return;
        }
        assertEquals(n, timesteps.length);
        assertEquals(trainTimesteps - 1, timesteps[0]);
        assertDescendingInRange(timesteps, trainTimesteps);
    }

    @Property(tries = 100)
    void flowMatchingTimestepsFallFromTheFullNoiseLevel(
            @ForAll @IntRange(min = 1, max = 500) int steps, @ForAll @DoubleRange(min = 0.1, max = 10) double shift) {
        FlowMatchEulerSampler sampler = new FlowMatchEulerSampler(1000, steps, shift);
        assertEquals(1000.0, sampler.timestep(0), 0.01, "sigma_max is 1 up to diffusers' float32 rounding");
        for (int i = 1; i < steps; i++) {
            assertTrue(sampler.timestep(i) < sampler.timestep(i - 1) && sampler.timestep(i) > 0, "step " + i);
        }
    }
}
