package dev.vae4j.examples.train;

import dev.vae4j.core.train.DiscriminatorObjective;
import dev.vae4j.core.train.GeneratorObjective;
import dev.vae4j.losses.DiscriminatorLoss;
import dev.vae4j.losses.GeneratorGanLoss;
import dev.vae4j.losses.GradNorm;
import dev.vae4j.losses.Lpips;
import dev.vae4j.losses.PixelDistance;
import dev.vae4j.losses.GradNormalizedConfig;
import dev.vae4j.losses.GradNormalizedObjective;
import dev.vae4j.losses.VaeGanConfig;
import dev.vae4j.losses.VaeGanObjective;
import java.nio.file.Path;
import org.bytedeco.pytorch.Device;
import java.util.Locale;

/**
 * Turns a recipe's {@code objective:} section into its objectives ({@link VaeGanObjective} or
 * {@link GradNormalizedObjective}, plus LiteVAE's wavelet terms when weighted), loading LPIPS when it is weighted.
 */
final class ObjectiveFactory {
    private ObjectiveFactory() {
    }

    /**
     * The generator and discriminator objectives of a run and the LPIPS network they use (null when unweighted).
     *
     * @param generator the autoencoder's loss
     * @param discriminator the discriminator's loss
     * @param lpips the perceptual network, or null
     */
    record Objectives(GeneratorObjective generator, DiscriminatorObjective discriminator, Lpips lpips) {
    }

    /**
     * The objectives of {@code recipe}; LPIPS weights are required exactly when LPIPS is weighted. LPIPS is moved
     * to the recipe's training device.
     */
    static Objectives create(Recipe recipe, Path lpipsWeights) {
        return create(recipe, recipe.objective().perceptualWeight() > 0 ? lpips(recipe, lpipsWeights) : null);
    }

    /**
     * The objectives of {@code recipe} around the given perceptual network (null exactly when LPIPS is not
     * weighted), which is moved to the recipe's training device.
     */
    static Objectives create(Recipe recipe, Lpips lpips) {
        Recipe.ObjectiveSpec spec = recipe.objective();
        String type = spec.type() == null ? "vae-gan" : spec.type().toLowerCase(Locale.ROOT);
        if (lpips != null) {
            lpips.to(new Device(recipe.train().device()), false);
        }
        return switch (type) {
            case "vae-gan" -> {
                VaeGanObjective objective = new VaeGanObjective(config(recipe), lpips);
                yield new Objectives(WaveletTerms.around(objective, spec), objective, lpips);
            }
            case "grad-normalized" -> {
                GradNormalizedObjective objective = new GradNormalizedObjective(gradNormalized(recipe), lpips);
                yield new Objectives(WaveletTerms.around(objective, spec), objective, lpips);
            }
            default -> throw new IllegalArgumentException("recipe objective type '" + spec.type()
                    + "' is not vae-gan or grad-normalized");
        };
    }

    /** The grad-normalized objective config of {@code recipe}. */
    static GradNormalizedConfig gradNormalized(Recipe recipe) {
        Recipe.ObjectiveSpec spec = recipe.objective();
        return new GradNormalizedConfig(spec.poolKernel() <= 0 ? 4 : spec.poolKernel(), spec.pooledWeight(),
                spec.lowPassKernel() <= 0 ? 5 : spec.lowPassKernel(),
                spec.lowPassCutoff() <= 0 ? 0.25 : spec.lowPassCutoff(), spec.lowPassWeight(),
                spec.perceptualWeight(), spec.klWeight(), spec.discWeight(),
                spec.hingeMargin() == null ? GeneratorGanLoss.DEFAULT_MARGIN : spec.hingeMargin(),
                recipe.train().discStart(),
                parse(GradNorm.Mode.class, spec.gradnormMode() == null ? "batch" : spec.gradnormMode(),
                        "gradnorm_mode"));
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
                spec.hingeMargin() == null ? 0.1 : spec.hingeMargin(), spec.r1Gamma(), spec.lecamWeight(),
                spec.lecamDecay() == null ? 0.999 : spec.lecamDecay());
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
