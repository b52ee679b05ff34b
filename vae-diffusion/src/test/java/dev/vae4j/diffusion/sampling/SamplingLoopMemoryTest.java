package dev.vae4j.diffusion.sampling;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.ResidentMemory;
import dev.vae4j.diffusion.PredictionType;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import java.util.function.IntFunction;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A 1,000-step loop holds no more memory than a 100-step one: each step's tensors are freed with its scope, and only
 * the current latents (and DPM-Solver's previous prediction) live between steps. With (2, 4, 64, 64) latents a leak of
 * the step's tensors would add about 1 MB per step, 900 MB over the extra 900 steps; the bound is 32 MB of RSS.
 */
class SamplingLoopMemoryTest {
    private static final double BOUND_MIB = 32;

    private static void assertFlat(String name, IntFunction<Sampler> sampler) {
        assumeTrue(ResidentMemory.available());
        try (TensorScope scope = new TensorScope()) {
            TinyDenoiser denoiser = new TinyDenoiser(randn(4, 4, 1, 1), randn(4), 4, 4, 0);
            Tensor noise = randn(2, 4, 64, 64);
            new SamplingLoop(denoiser, sampler.apply(100)).run(noise, null);
            new SamplingLoop(denoiser, sampler.apply(100)).run(noise, null);
            double before = ResidentMemory.mib();
            Tensor result = new SamplingLoop(denoiser, sampler.apply(1000)).run(noise, null);
            double growth = ResidentMemory.mib() - before;
            System.out.printf("%s: 1000-step loop RSS growth %.1f MiB over a 100-step loop's%n", name, growth);
            assertTrue(result.defined());
            assertTrue(growth < BOUND_MIB, name + ": RSS grew by " + growth + " MiB over 1000 steps");
        }
    }

    @Test
    void ddpmLoopMemoryIsFlat() {
        NoiseSchedule schedule = NoiseSchedule.diffusersDefault();
        NoiseSource noise = NoiseSource.of(createCPUGenerator(5));
        assertFlat("DDPM", steps -> new DdpmSampler(schedule, steps, DiffusersSchedulerOptions.defaults(), noise));
    }

    @Test
    void dpmSolverLoopMemoryIsFlat() {
        NoiseSchedule schedule = NoiseSchedule.diffusersDefault();
        assertFlat("DPM-Solver++", steps -> new DpmSolverMultistepSampler(schedule, steps, PredictionType.EPSILON));
    }
}
