package dev.vae4j.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.diffusion.sampling.DdimSampler;
import dev.vae4j.diffusion.sampling.FlowMatchEulerSampler;
import dev.vae4j.diffusion.sampling.PytorchDiffusionDdimSampler;
import dev.vae4j.diffusion.sampling.Sampler;
import org.junit.jupiter.api.Test;

/**
 * {@link Stage2Samplers}: each built-in recipe's objective gets its deterministic sampler of the asked steps (DDIM
 * without clipping the predicted latents for the DDPM recipes, pytorch-diffusion's DDIM for its cosine schedule, Euler
 * for a noise-at-one rectified flow), and steps out of range or SiT's data-at-one convention are one clear error.
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
    void noiseAtOneFlowsSampleWithEuler() {
        Stage2Recipe.ObjectiveSpec sit = objective("sit-s2");
        Stage2Recipe.ObjectiveSpec noiseAtOne = new Stage2Recipe.ObjectiveSpec(
                sit.type(), null, 0, 0, 0, sit.trainTimesteps(), null, null, 0, "noise_at_one", sit.shift());
        assertInstanceOf(FlowMatchEulerSampler.class, Stage2Samplers.forObjective(noiseAtOne, 10));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Stage2Samplers.forObjective(sit, 10));
        assertTrue(e.getMessage().contains("noise_at_one"), e.getMessage());
    }

    @Test
    void stepsOutOfRangeAreRefused() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Stage2Samplers.forObjective(objective("dit-s2"), 0));
        assertTrue(e.getMessage().contains("[1, 1000]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Stage2Samplers.forObjective(objective("dit-s2"), 1001));
    }
}
