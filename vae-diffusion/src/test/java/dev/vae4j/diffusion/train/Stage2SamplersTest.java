package dev.vae4j.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.sampling.DdimSampler;
import dev.vae4j.diffusion.sampling.DdpmSampler;
import dev.vae4j.diffusion.sampling.DpmSolverMultistepSampler;
import dev.vae4j.diffusion.sampling.FlowMatchEulerSampler;
import dev.vae4j.diffusion.sampling.NoiseSource;
import dev.vae4j.diffusion.sampling.PytorchDiffusionDdimSampler;
import dev.vae4j.diffusion.sampling.PytorchDiffusionDdpmSampler;
import dev.vae4j.diffusion.sampling.Sampler;
import dev.vae4j.diffusion.sampling.SamplerKind;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * {@link Stage2Samplers}: each built-in recipe's objective gets its deterministic sampler of the asked steps (DDIM
 * without clipping the predicted latents for the DDPM recipes, pytorch-diffusion's DDIM for its cosine schedule, Euler
 * for rectified flows in both time conventions, landing on the data under the exact velocity), and steps out of range
 * are one clear error; samplers chosen by name fit their objective or are refused naming both.
 */
class Stage2SamplersTest {
    private static Stage2Recipe.ObjectiveSpec objective(String recipe) {
        return Stage2Recipe.load(recipe).objective();
    }

    @Test
    void ddpmRecipesSampleWithUnclippedDdim() {
        Sampler sampler = Stage2Samplers.forObjective(objective("dit-synthetic"), 25);
        assertInstanceOf(DdimSampler.class, sampler);
        assertEquals(25, sampler.numSteps());
        assertFalse(objective("dit-s2").scheduler().options().clipSample(), "latents are not clipped to [-1, 1]");
    }

    @Test
    void theLatentUnetSamplesWithPytorchDiffusionsDdim() {
        Sampler sampler = Stage2Samplers.forObjective(objective("latent-unet"), 50);
        assertInstanceOf(PytorchDiffusionDdimSampler.class, sampler);
        assertEquals(50, sampler.numSteps());
    }

    @Test
    void bothFlowConventionsSampleTheirOracleToTheData() {
        Stage2Recipe.ObjectiveSpec sit = objective("sit-s2");
        Stage2Recipe.ObjectiveSpec noiseAtOne = new Stage2Recipe.ObjectiveSpec(
                sit.type(), null, 0, 0, 0, sit.trainTimesteps(), null, null, 0, "noise_at_one", sit.shift());
        assertEquals(0.0, oracleError(noiseAtOne, false), 1e-4);
        assertEquals(0.0, oracleError(sit, true), 1e-4);
    }

    /**
     * Samples a one-point data distribution x0 with the exact velocity of the objective's convention, (x - x0) / sigma
     * (noise at one, time sigma) or its negation (SiT, time 1 - sigma): Euler on a straight path lands on x0. Returns
     * the largest distance to x0.
     */
    private static double oracleError(Stage2Recipe.ObjectiveSpec objective, boolean dataAtOne) {
        Sampler sampler = Stage2Samplers.forObjective(objective, 10);
        assertInstanceOf(FlowMatchEulerSampler.class, sampler);
        try (TensorScope scope = new TensorScope()) {
            Tensor x0 = torch.arange(new Scalar(8))
                    .to(torch.ScalarType.Float)
                    .div(new Scalar(4.0))
                    .reshape(1, 2, 2, 2);
            Tensor x = torch.randn(1, 2, 2, 2);
            for (int i = 0; i < sampler.numSteps(); i++) {
                double time = sampler.timestep(i) / objective.trainTimesteps();
                double sigma = dataAtOne ? 1 - time : time;
                Tensor velocity = x.sub(x0).div(new Scalar(dataAtOne ? -sigma : sigma));
                x = sampler.step(i, velocity, x);
            }
            return x.sub(x0).abs().max().item_double();
        }
    }

    @Test
    void stepsOutOfRangeAreRefused() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Stage2Samplers.forObjective(objective("dit-s2"), 0));
        assertTrue(e.getMessage().contains("[1, 1000]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Stage2Samplers.forObjective(objective("dit-s2"), 1001));
    }

    @Test
    void samplersChosenByNameFitTheirObjective() {
        NoiseSource noise = NoiseSource.of(torch.createCPUGenerator(0));
        Stage2Recipe.ObjectiveSpec dit = objective("dit-s2");
        assertInstanceOf(DdimSampler.class, Stage2Samplers.forObjective(dit, SamplerKind.DDIM, 20, 0.5, noise));
        assertInstanceOf(DdpmSampler.class, Stage2Samplers.forObjective(dit, SamplerKind.DDPM, 20, 0, noise));
        assertInstanceOf(
                DpmSolverMultistepSampler.class,
                Stage2Samplers.forObjective(dit, SamplerKind.DPM_SOLVER_PP, 20, 0, noise));
        Stage2Recipe.ObjectiveSpec unet = objective("latent-unet");
        assertInstanceOf(
                PytorchDiffusionDdimSampler.class, Stage2Samplers.forObjective(unet, SamplerKind.DDIM, 20, 1, noise));
        assertInstanceOf(
                PytorchDiffusionDdpmSampler.class, Stage2Samplers.forObjective(unet, SamplerKind.DDPM, 20, 0, noise));
        assertInstanceOf(
                FlowMatchEulerSampler.class,
                Stage2Samplers.forObjective(objective("sit-s2"), SamplerKind.EULER, 20, 0, noise));
        assertRefused("sampler euler runs on a rectified-flow path", dit, SamplerKind.EULER, 0);
        assertRefused("eta 0.5 is DDIM's; the ddpm sampler takes none", dit, SamplerKind.DDPM, 0.5);
        assertRefused("DDIM eta -1.0 is not a finite number >= 0", dit, SamplerKind.DDIM, -1);
        assertRefused("sampler dpm-solver++ does not fit pytorch-diffusion's", unet, SamplerKind.DPM_SOLVER_PP, 0);
        assertRefused("sampler ddim does not fit a rectified_flow objective", objective("sit-s2"), SamplerKind.DDIM, 0);
        assertEquals(SamplerKind.DPM_SOLVER_PP, SamplerKind.parse("DPM-Solver++"));
        IllegalArgumentException unknown =
                assertThrows(IllegalArgumentException.class, () -> SamplerKind.parse("heun"));
        assertEquals("unknown sampler 'heun'; expected one of ddim, ddpm, dpm-solver++, euler", unknown.getMessage());
    }

    private static void assertRefused(
            String message, Stage2Recipe.ObjectiveSpec objective, SamplerKind kind, double eta) {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Stage2Samplers.forObjective(
                        objective, kind, 10, eta, NoiseSource.of(torch.createCPUGenerator(0))));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
