package dev.vae4j.discriminators;

import dev.vae4j.core.model.Discriminator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The named discriminator presets of the {@code vae} CLI ({@code --discriminator NAME}):
 *
 * <ul>
 *   <li>{@code patchgan}: taming NLayerDiscriminator, ndf 64, 3 layers, BatchNorm (2,765,633 params)
 *   <li>{@code vgg}: cloneofsimo/vqgan-training's VGG16 trunk (features[:16], trainable) + zero-init 1x1 head
 *       (1,735,744 params); load torchvision VGG16 weights into {@code features.*} before training
 *   <li>{@code unetgan-s}, {@code unetgan-m}, {@code unetgan-l}: U-Net GAN with D_ch 16 / 32 / 64
 *   <li>{@code gigagan}: open-LiteVAE's GigaGAN-style discriminator (C_base 4096, C_max 256)
 * </ul>
 *
 * Every preset takes RGB (N, 3, H, W) in [-1, 1].
 */
public final class DiscriminatorPresets {
    private static final Map<String, LongFunction<Discriminator>> PRESETS = new LinkedHashMap<>();

    static {
        PRESETS.put("patchgan", seed -> new PatchGanDiscriminator(PatchGanConfig.taming(), seed));
        PRESETS.put("vgg", seed -> VggDiscriminator.vgg16(true));
        PRESETS.put("unetgan-s", seed -> new UNetGanDiscriminator(UNetGanConfig.small(), seed));
        PRESETS.put("unetgan-m", seed -> new UNetGanDiscriminator(UNetGanConfig.medium(), seed));
        PRESETS.put("unetgan-l", seed -> new UNetGanDiscriminator(UNetGanConfig.large(), seed));
        PRESETS.put("gigagan", seed -> new GigaGanDiscriminator(GigaGanConfig.openLiteVae(), seed));
    }

    private DiscriminatorPresets() {}

    /** The preset names, in a stable order. */
    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }

    /**
     * A freshly initialised preset (the reference's init, seeded).
     *
     * @throws IllegalArgumentException for an unknown name (the message lists the known ones)
     */
    public static Discriminator create(String name, long seed) {
        LongFunction<Discriminator> factory = PRESETS.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("unknown discriminator '" + name + "', expected one of " + names());
        }
        return factory.apply(seed);
    }

    /**
     * The preset built for measuring only (parameter counts, MACs): like {@link #create} but UNetGAN skips its
     * orthogonal init (a QR per weight, slow for the large presets); shapes and counts are identical.
     */
    public static Discriminator forInspection(String name) {
        return switch (name) {
            case "unetgan-s" -> new UNetGanDiscriminator(UNetGanConfig.small(), 0, false);
            case "unetgan-m" -> new UNetGanDiscriminator(UNetGanConfig.medium(), 0, false);
            case "unetgan-l" -> new UNetGanDiscriminator(UNetGanConfig.large(), 0, false);
            default -> create(name, 0);
        };
    }
}
