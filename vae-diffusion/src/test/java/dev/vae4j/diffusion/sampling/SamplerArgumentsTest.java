package dev.vae4j.diffusion.sampling;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.Denoiser;
import dev.vae4j.diffusion.PredictionType;
import dev.vae4j.diffusion.schedule.BetaSchedule;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import dev.vae4j.diffusion.schedule.PytorchDiffusionSchedule;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad arguments give one-line exceptions naming the value and the limit. */
class SamplerArgumentsTest {
    private static final NoiseSchedule SCHEDULE = NoiseSchedule.diffusersDefault();
    private static final DiffusersSchedulerOptions DEFAULTS = DiffusersSchedulerOptions.defaults();
    private TensorScope scope;
    private NoiseSource noise;

    @BeforeEach
    void open() {
        scope = new TensorScope();
        noise = NoiseSource.of(createCPUGenerator(1));
    }

    @AfterEach
    void close() {
        scope.close();
    }

    private static <T extends Throwable> String message(Class<T> type, Executable call, String... parts) {
        String message = assertThrows(type, call).getMessage();
        assertFalse(message.contains("\n"), "one line: " + message);
        for (String part : parts) {
            assertTrue(message.contains(part), "'" + message + "' should name " + part);
        }
        return message;
    }

    private static Tensor latents(long... shape) {
        return randn(shape);
    }

    @Test
    void moreInferenceStepsThanTrainingTimesteps() {
        message(IllegalArgumentException.class, () -> new DdpmSampler(SCHEDULE, 1001, DEFAULTS, noise), "1001", "1000");
        message(
                IllegalArgumentException.class,
                () -> new DdimSampler(SCHEDULE, 0, DEFAULTS, 0.0, true, noise),
                "0",
                "[1, 1000]");
        message(
                IllegalArgumentException.class,
                () -> new DpmSolverMultistepSampler(SCHEDULE, 1200, PredictionType.EPSILON),
                "1200",
                "1000");
    }

    @Test
    void timestepsOutsideTheSchedule() {
        message(
                IllegalArgumentException.class,
                () -> new DdpmSampler(SCHEDULE, 1000, DEFAULTS.withTimestepSpacing(TimestepSpacing.LEADING, 1), noise),
                "timestep 1000",
                "steps_offset 1",
                "[0, 999]");
        message(IllegalArgumentException.class, () -> SCHEDULE.alphaCumprod(1000), "1000", "[0, 999]");
        message(IllegalArgumentException.class, () -> SCHEDULE.alphaCumprod(-1), "-1", "[0, 999]");
    }

    /**
     * diffusers 0.42.1's trailing spacing makes 62 timesteps ending in -1 for T = 1000, N = 61 (numpy's
     * {@code arange(1000, 0, -1000 / 61)} has 62 elements); diffusers then indexes alphas_cumprod[-1], the last one.
     * vae4j refuses.
     */
    @Test
    void trailingSpacingThatFallsBelowZeroIsRefused() {
        message(
                IllegalArgumentException.class,
                () -> TimestepSpacing.TRAILING.timesteps(1000, 61, 0),
                "timestep -1",
                "trailing",
                "61 steps");
        assertEquals(50, TimestepSpacing.TRAILING.timesteps(1000, 50, 0).length);
    }

    @Test
    void steppingPastTheEnd() {
        Tensor x = latents(1, 4, 8, 8);
        Sampler[] samplers = {
            new DdpmSampler(SCHEDULE, 50, DEFAULTS, noise),
            new DdimSampler(SCHEDULE, 50, DEFAULTS, 0.0, true, noise),
            new PytorchDiffusionDdimSampler(SCHEDULE, 20, 0.0, noise),
            new PytorchDiffusionDdpmSampler(SCHEDULE, 20, noise),
            new FlowMatchEulerSampler(1000, 50, 3.0),
            new DpmSolverMultistepSampler(SCHEDULE, 50, PredictionType.EPSILON)
        };
        for (Sampler sampler : samplers) {
            message(IllegalArgumentException.class, () -> sampler.step(50, x, x), "step 50", "[0, 49]");
            message(IllegalArgumentException.class, () -> sampler.step(-1, x, x), "step -1", "[0, 49]");
            message(IllegalArgumentException.class, () -> sampler.timestep(50), "step 50", "[0, 49]");
        }
    }

    @Test
    void latentsOfTheWrongRank() {
        Sampler sampler = new DdimSampler(SCHEDULE, 50, DEFAULTS, 0.0, true, noise);
        Tensor threeD = latents(4, 8, 8);
        message(IllegalArgumentException.class, () -> sampler.step(0, threeD, threeD), "rank 3", "[4, 8, 8]", "4-D");
        Tensor x = latents(2, 4, 8, 8);
        message(
                IllegalArgumentException.class,
                () -> sampler.step(0, latents(2, 3, 8, 8), x),
                "[2, 3, 8, 8]",
                "[2, 4, 8, 8]");
        message(
                IllegalArgumentException.class,
                () -> new SamplingLoop(new TinyDenoiser(randn(4, 4, 1, 1), randn(4), 4, 4, 0), sampler)
                        .run(latents(2, 3, 8, 8), null),
                "3 channels",
                "4");
    }

    @Test
    void multistepSamplerMustBeSteppedInOrder() {
        Sampler sampler = new DpmSolverMultistepSampler(SCHEDULE, 10, PredictionType.EPSILON);
        Tensor x = latents(1, 4, 8, 8);
        sampler.step(0, x, x);
        message(IllegalStateException.class, () -> sampler.step(2, x, x), "step 2", "expected 1");
        sampler.step(1, x, x);
        sampler.step(0, x, x);
    }

    @Test
    void unsupportedScheduleNames() {
        message(
                IllegalArgumentException.class,
                () -> BetaSchedule.forName("laplace"),
                "'laplace'",
                "linear, scaled_linear, squaredcos_cap_v2, sigmoid");
        message(
                IllegalArgumentException.class,
                () -> PytorchDiffusionSchedule.forType("exp"),
                "'exp'",
                "cosine, linear, quadratic, sigmoid");
        assertEquals(PytorchDiffusionSchedule.LINEAR, PytorchDiffusionSchedule.forType("scaled_linear"));
        message(
                IllegalArgumentException.class,
                () -> NoiseSchedule.diffusers(BetaSchedule.LINEAR, 1, 0.0001, 0.02),
                "num_train_timesteps 1",
                "2");
        message(
                IllegalArgumentException.class,
                () -> NoiseSchedule.pytorchDiffusion(PytorchDiffusionSchedule.COSINE, 100, 1.5, 0.0001, 0.02),
                "1.5",
                "[0, 1)");
    }

    @Test
    void samplerParametersOutOfRange() {
        message(
                IllegalArgumentException.class,
                () -> new PytorchDiffusionDdimSampler(SCHEDULE, 0, 0.5, noise),
                "skip 0",
                "[1, 1000]");
        message(IllegalArgumentException.class, () -> new PytorchDiffusionDdpmSampler(SCHEDULE, 1001, noise), "1001");
        message(
                IllegalArgumentException.class,
                () -> new PytorchDiffusionDdimSampler(SCHEDULE, 10, -0.1, noise),
                "eta -0.1");
        message(
                IllegalArgumentException.class,
                () -> new DdimSampler(SCHEDULE, 10, DEFAULTS, Double.NaN, true, noise),
                "NaN");
        message(IllegalArgumentException.class, () -> new FlowMatchEulerSampler(1000, 10, 0.0), "shift 0.0");
        message(IllegalArgumentException.class, () -> new FlowMatchEulerSampler(1000, 0, 1.0), "0");
        message(
                IllegalArgumentException.class,
                () -> new DiffusersSchedulerOptions(PredictionType.EPSILON, true, 1.0, TimestepSpacing.LEADING, -1),
                "steps_offset -1");
    }

    @Test
    void guidanceNeedsAnUnconditionalPrediction() {
        Denoiser conditionalOnly = new TinyDenoiser(randn(4, 4, 1, 1), randn(4), 4, 4, 10) {
            @Override
            public boolean hasUnconditionalPrediction() {
                return false;
            }
        };
        message(
                IllegalArgumentException.class,
                () -> new ClassifierFreeGuidance(conditionalOnly, 4.0),
                "unconditional",
                "10 classes");
        Denoiser denoiser = new TinyDenoiser(randn(4, 4, 1, 1), randn(4), 4, 4, 10);
        message(IllegalArgumentException.class, () -> new ClassifierFreeGuidance(denoiser, 0.5), "0.5", ">= 1");
        message(
                IllegalArgumentException.class,
                () -> new ClassifierFreeGuidance(denoiser, Double.POSITIVE_INFINITY),
                "Infinity");
    }
}
