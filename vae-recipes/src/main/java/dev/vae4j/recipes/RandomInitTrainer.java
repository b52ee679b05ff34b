package dev.vae4j.recipes;

import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.nn.Vgg16Features;
import dev.vae4j.losses.Lpips;
import dev.vae4j.train.Trainer;
import java.nio.file.Path;

/**
 * The trainer a recipe builds ({@code vae train}: its autoencoder, discriminator and objectives) with seeded random
 * weights everywhere, LPIPS included (no weights file needed): what benchmarks time. The weights come from libtorch's
 * global generator seeded with the recipe's seed.
 */
public final class RandomInitTrainer {
    private RandomInitTrainer() {}

    /**
     * @param recipe the recipe (its {@code train:} section configures the loop)
     * @param runDir the run folder the trainer would checkpoint to
     */
    public static Trainer create(Recipe recipe, Path runDir) {
        org.bytedeco.pytorch.global.torch.manual_seed(recipe.train().seed());
        TrainableAutoencoder model = recipe.model().build();
        Discriminator discriminator = TrainingSession.discriminator(recipe, model.outputChannels(), null);
        Lpips lpips = recipe.objective().perceptualWeight() > 0 ? new Lpips(new Vgg16Features()) : null;
        ObjectiveFactory.Objectives objectives = ObjectiveFactory.create(recipe, lpips);
        Trainer.Builder trainer = Trainer.builder(model, objectives.generator(), recipe.train(), runDir);
        if (discriminator != null) {
            trainer.adversary(discriminator, objectives.discriminator());
        }
        return trainer.build();
    }
}
