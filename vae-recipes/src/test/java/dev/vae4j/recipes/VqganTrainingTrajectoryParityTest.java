package dev.vae4j.recipes;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.nn.Vgg16Features;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.discriminators.VggDiscriminator;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae train}'s {@link Trainer} with the {@code vqgan-training} recipe's objective (gradnormed LPIPS and
 * {@code -mean(D(x̂))}, z penalty, hinge + unclipped LeCam), AdamW optimizers, schedule, clipping and EMA follows a
 * PyTorch loop whose objective is cloneofsimo/vqgan-training's own code
 * ({@code tools/reference/gen_trajectory_vqgan_training.py}: its {@code gradnorm}, {@code vae_loss_function}, generator
 * branch and discriminator step with LeCam, run from the upstream file) for 20 steps at tiny widths: same weights,
 * batches and posterior noise; every logged term to 1e-4 relative or ten times PyTorch's own drift under other float
 * kernels, and the final autoencoder, EMA and discriminator weights. The discriminator is the recipe's VGG
 * discriminator on the narrow (/16) VGG16 trunk of the LPIPS fixture.
 */
@Tag("parity")
class VqganTrainingTrajectoryParityTest {
    @Test
    void followsThePyTorchLoopWithTheUpstreamObjective(@TempDir Path runDir) throws IOException {
        String name = "vqgan_training";
        torch.set_num_threads(1);
        try (SafetensorsReader fixture =
                        SafetensorsReader.open(Fixtures.dir("training_vqgan/" + name + ".safetensors"));
                TensorScope scope = new TensorScope()) {
            Recipe recipe = TrajectoryFixture.recipe(fixture.metadata());
            TrainConfig config = recipe.train().toBuilder().logEvery(1).build(); // the loss terms of every step
            TrainableAutoencoder model = Autoencoders.create(recipe.model().config());
            StateDict.load(model.module(), TrajectoryFixture.prefixed(fixture, "init.ae."), true, "init.ae");
            VggDiscriminator discriminator = new VggDiscriminator(Vgg16Features.withWidthDivisor(16), true);
            StateDict.load(discriminator, TrajectoryFixture.prefixed(fixture, "init.disc."), true, "init.disc");
            ObjectiveFactory.Objectives objectives = ObjectiveFactory.create(
                    recipe, Fixtures.dir("training_vqgan/" + fixture.metadata().get("lpips")));
            Trainer trainer = Trainer.builder(model, objectives.generator(), config, runDir)
                    .adversary(discriminator, objectives.discriminator())
                    .build();
            TrajectoryFixture.checkSteps(name, fixture, TrajectoryFixture.train(trainer, fixture, config));
            TrajectoryFixture.compare(name + " autoencoder", fixture, "final.ae.", StateDict.of(model.module()));
            TrajectoryFixture.compare(
                    name + " EMA", fixture, "final.ema.", trainer.ema().tensors());
            TrajectoryFixture.compare(name + " discriminator", fixture, "final.disc.", StateDict.of(discriminator));
        }
    }
}
