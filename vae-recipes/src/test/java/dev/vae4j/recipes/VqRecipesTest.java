package dev.vae4j.recipes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.model.PytorchDiffusionVQConfig;
import dev.vae4j.core.model.PytorchDiffusionVQModel;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.model.VQModel;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.losses.VqGanConfig;
import dev.vae4j.train.LearningRateSchedule;
import dev.vae4j.train.OptimizerSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The built-in VQ recipes: {@code vqgan-f8} carries taming's ImageNet VQGAN loss ({@link VqGanConfig#taming()}) and an
 * f8 VQModel of 25,052,291 parameters (diffusers' {@code VQModel} of the same config counts the same:
 * {@code sum(p.numel() for p in VQModel(**config).parameters())}, diffusers 0.42.1); {@code vq-f4-small} is a vq-gan
 * recipe without LPIPS; {@code pd-vq-f8} is stanipov/pytorch-diffusion's {@code vq_vae.py} VQModel of
 * {@code configs/vae_f8.json}'s model block with {@code set_VQModel}'s defaults (622,983 parameters, as upstream counts
 * them: {@code sum(p.numel() for p in model.parameters())}) and its {@code LPIPSWithDiscriminator}
 * ({@link VqGanConfig#pytorchDiffusion()}), AdamW and OneCycleLR.
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

    @Test
    void pdVqF8IsPytorchDiffusionsVqModelAndLoss() {
        Recipe recipe = Recipe.load("pd-vq-f8");
        // configs/vae_f8.json's model block as set_VQModel reads it (grnorm_groups absent: its default 4), VQ defaults
        ModelConfig block = ModelConfig.parse("{\"enc_init_channels\": 8, \"latent_dim\": 4, \"ch_mult\": [1, 2, 4, 8],"
                + " \"resnet_stacks\": 2, \"down_mode\": \"avg\", \"down_kern\": 2, \"down_attn\": [0, 1, 2, 3],"
                + " \"up_mode\": \"nearest\", \"up_scale\": 2, \"up_attn\": [0, 1, 2, 3], \"attn_heads\": 1,"
                + " \"attn_dim\": 16, \"eps\": 1e-7, \"scaling_factor\": 0.18215, \"dec_tanh_out\": true}");
        PytorchDiffusionVQConfig upstream = PytorchDiffusionVQConfig.fromModelBlock(block);
        PytorchDiffusionVQConfig at512 = new PytorchDiffusionVQConfig(
                upstream.backbone().toBuilder().sampleSize(512).build(),
                upstream.numVqEmbeddings(),
                upstream.vqEmbedDim(),
                upstream.commitmentCost(),
                upstream.encodeTanhOut());
        assertEquals(at512, PytorchDiffusionVQConfig.fromConfig(recipe.model().config()));
        ObjectiveSpec.VqGan objective = assertInstanceOf(ObjectiveSpec.VqGan.class, recipe.objective());
        assertEquals(
                VqGanConfig.pytorchDiffusion(), objective.config(recipe.train().discStart()));
        LearningRateSchedule schedule = recipe.train().schedule();
        assertEquals(LearningRateSchedule.Shape.ONECYCLE, schedule.type());
        assertEquals(
                List.of(0.45, 8.0, 16.0),
                List.of(schedule.pctStart(), schedule.divFactor(), schedule.finalDivFactor()));
        assertEquals(true, schedule.threePhase());
        LearningRateSchedule discSchedule = recipe.train().discriminatorScheduleOrShared();
        assertEquals(
                List.of(0.45, 4.0, 8.0),
                List.of(discSchedule.pctStart(), discSchedule.divFactor(), discSchedule.finalDivFactor()));
        assertEquals(true, discSchedule.threePhase());
        OptimizerSettings adamw = new OptimizerSettings(OptimizerSettings.Algorithm.ADAMW, 4e-3, 0.5, 0.9, 1e-7, 1e-5);
        assertEquals(adamw, recipe.train().generator());
        assertEquals(adamw, recipe.train().discriminator());
        try (TensorScope scope = new TensorScope()) {
            PytorchDiffusionVQModel model = assertInstanceOf(
                    PytorchDiffusionVQModel.class, recipe.model().build());
            assertEquals(8, model.downsamplingFactor());
            assertEquals(622_983L, StateDict.parameterCount(model));
        }
    }
}
