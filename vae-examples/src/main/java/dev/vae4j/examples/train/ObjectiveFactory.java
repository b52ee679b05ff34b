package dev.vae4j.examples.train;

import dev.vae4j.losses.DiscriminatorLoss;
import dev.vae4j.losses.Lpips;
import dev.vae4j.losses.PixelDistance;
import dev.vae4j.losses.VaeGanConfig;
import dev.vae4j.losses.VaeGanObjective;
import java.nio.file.Path;
import java.util.Locale;

/** Turns a recipe's {@code objective:} section into a {@link VaeGanObjective}, loading LPIPS when it is weighted. */
final class ObjectiveFactory {
    private ObjectiveFactory() {
    }

    /** The objective config of {@code recipe} (disc start taken from the loop's {@code disc_start}). */
    static VaeGanConfig config(Recipe recipe) {
        Recipe.ObjectiveSpec spec = recipe.objective();
        return new VaeGanConfig(
                parse(PixelDistance.class, spec.pixel(), "pixel"),
                spec.perceptualWeight(),
                spec.perceptualGradient() == null || spec.perceptualGradient(),
                parse(VaeGanConfig.Normalization.class, spec.normalization(), "normalization"),
                spec.logvarInit(), spec.learnLogvar(), spec.klWeight(), spec.discWeight(),
                spec.adaptiveWeight() == null || spec.adaptiveWeight(), spec.discFactor(), recipe.train().discStart(),
                parse(DiscriminatorLoss.class, spec.discLoss(), "disc_loss"),
                parse(VaeGanConfig.GeneratorGan.class, spec.generatorGan(), "generator_gan"),
                spec.hingeMargin() == null ? 0.1 : spec.hingeMargin(), 0.0, 0.0, 0.999);
    }

    /**
     * The objective; LPIPS weights are required exactly when the perceptual weight is positive.
     *
     * @param lpipsWeights safetensors file with VGG16 {@code features.*} and LPIPS {@code lin*} tensors, or null
     */
    static VaeGanObjective create(Recipe recipe, Path lpipsWeights) {
        VaeGanConfig config = config(recipe);
        Lpips lpips = null;
        if (config.perceptualWeight() > 0) {
            if (lpipsWeights == null) {
                throw new IllegalArgumentException("recipe " + recipe.name() + " weights LPIPS by "
                        + config.perceptualWeight() + ": give its weights with --lpips FILE (VGG16 features + LPIPS "
                        + "heads as safetensors; 'vae convert' makes one from lpips' vgg.pth and torchvision's VGG16)");
            }
            lpips = Lpips.fromSafetensors(lpipsWeights);
        }
        return new VaeGanObjective(config, lpips);
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("recipe objective needs '" + field + "'");
        }
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("recipe objective " + field + " '" + value + "' is not one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
        }
    }
}
