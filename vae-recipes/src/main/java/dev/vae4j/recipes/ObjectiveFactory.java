package dev.vae4j.recipes;

import dev.vae4j.losses.GradNormalizedConfig;
import dev.vae4j.losses.GradNormalizedObjective;
import dev.vae4j.losses.Lpips;
import dev.vae4j.losses.VaeGanConfig;
import dev.vae4j.losses.VaeGanObjective;
import dev.vae4j.losses.VqGanObjective;
import dev.vae4j.train.DiscriminatorObjective;
import dev.vae4j.train.GeneratorObjective;
import java.nio.file.Path;
import org.bytedeco.pytorch.Device;

/**
 * Turns a recipe's {@code objective:} section into its objectives ({@link VaeGanObjective},
 * {@link GradNormalizedObjective} or {@link VqGanObjective}, the first two plus LiteVAE's wavelet terms when weighted),
 * loading LPIPS when it is weighted.
 */
final class ObjectiveFactory {
    private ObjectiveFactory() {}

    /**
     * The generator and discriminator objectives of a run and the LPIPS network they use (null when unweighted).
     *
     * @param generator the autoencoder's loss
     * @param discriminator the discriminator's loss
     * @param lpips the perceptual network, or null
     */
    record Objectives(GeneratorObjective generator, DiscriminatorObjective discriminator, Lpips lpips) {}

    /**
     * The objectives of {@code recipe}; LPIPS weights are required exactly when LPIPS is weighted. LPIPS is moved to
     * the recipe's training device.
     */
    static Objectives create(Recipe recipe, Path lpipsWeights) {
        return create(recipe, recipe.objective().perceptualWeight() > 0 ? lpips(recipe, lpipsWeights) : null);
    }

    /**
     * The objectives of {@code recipe} around the given perceptual network (null exactly when LPIPS is not weighted),
     * which is moved to the recipe's training device.
     */
    static Objectives create(Recipe recipe, Lpips lpips) {
        ObjectiveSpec spec = recipe.objective();
        if (lpips != null) {
            lpips.to(new Device(recipe.train().device()), false);
        }
        if (spec instanceof ObjectiveSpec.GradNormalized) {
            GradNormalizedObjective objective = new GradNormalizedObjective(gradNormalized(recipe), lpips);
            return new Objectives(WaveletTerms.around(objective, spec), objective, lpips);
        }
        if (spec instanceof ObjectiveSpec.VqGan vq) {
            VqGanObjective objective =
                    new VqGanObjective(vq.config(recipe.train().discStart()), lpips);
            return new Objectives(objective, objective, lpips);
        }
        VaeGanObjective objective = new VaeGanObjective(config(recipe), lpips);
        return new Objectives(WaveletTerms.around(objective, spec), objective, lpips);
    }

    /** The grad-normalized objective config of {@code recipe} (disc start taken from the loop's {@code disc_start}). */
    static GradNormalizedConfig gradNormalized(Recipe recipe) {
        return as(ObjectiveSpec.GradNormalized.class, recipe)
                .config(recipe.train().discStart());
    }

    /** The vae-gan objective config of {@code recipe} (disc start taken from the loop's {@code disc_start}). */
    static VaeGanConfig config(Recipe recipe) {
        return as(ObjectiveSpec.VaeGan.class, recipe).config(recipe.train().discStart());
    }

    private static <T extends ObjectiveSpec> T as(Class<T> type, Recipe recipe) {
        if (!type.isInstance(recipe.objective())) {
            throw new IllegalArgumentException("recipe " + recipe.name() + " has a "
                    + recipe.objective().typeName() + " objective, not " + type.getSimpleName());
        }
        return type.cast(recipe.objective());
    }

    private static Lpips lpips(Recipe recipe, Path lpipsWeights) {
        if (lpipsWeights == null) {
            throw new IllegalArgumentException("recipe " + recipe.name() + " weights LPIPS by "
                    + recipe.objective().perceptualWeight() + ": give its weights with --lpips FILE (VGG16 features + "
                    + "LPIPS heads as safetensors; 'vae convert --to lpips' makes one from torchvision's VGG16 and "
                    + "lpips' vgg.pth)");
        }
        return Lpips.fromSafetensors(lpipsWeights);
    }
}
