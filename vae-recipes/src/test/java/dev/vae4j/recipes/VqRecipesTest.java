package dev.vae4j.recipes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.model.VQModel;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.losses.VqGanConfig;
import org.junit.jupiter.api.Test;

/**
 * The built-in VQ recipes: {@code vqgan-f8} carries taming's ImageNet VQGAN loss ({@link VqGanConfig#taming()}) and an
 * f8 VQModel of 25,052,291 parameters (diffusers' {@code VQModel} of the same config counts the same:
 * {@code sum(p.numel() for p in VQModel(**config).parameters())}, diffusers 0.42.1); {@code vq-f4-small} is a vq-gan
 * recipe without LPIPS.
 */
class VqRecipesTest {
    @Test
    void vqganF8IsTamingsImagenetLossOnAnF8VqModel() {
        Recipe recipe = Recipe.load("vqgan-f8");
        ObjectiveSpec.VqGan objective = assertInstanceOf(ObjectiveSpec.VqGan.class, recipe.objective());
        assertEquals(VqGanConfig.taming(), objective.config(recipe.train().discStart()));
        try (TensorScope scope = new TensorScope()) {
            TrainableAutoencoder model = recipe.model().build();
            VQModel vq = assertInstanceOf(VQModel.class, model);
            assertEquals(8, vq.downsamplingFactor());
            assertEquals(1024, vq.config().numVqEmbeddings());
            assertEquals(256, vq.latentChannels());
            assertEquals(25_052_291L, StateDict.parameterCount(vq));
        }
    }

    @Test
    void vqF4SmallHasNoPerceptualTerm() {
        Recipe recipe = Recipe.load("vq-f4-small");
        VqGanConfig config = assertInstanceOf(ObjectiveSpec.VqGan.class, recipe.objective())
                .config(recipe.train().discStart());
        assertEquals(0.0, config.perceptualWeight());
        assertEquals(1.0, config.codebookWeight());
        assertEquals(30, config.discStart());
    }
}
