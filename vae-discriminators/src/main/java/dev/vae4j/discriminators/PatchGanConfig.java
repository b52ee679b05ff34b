package dev.vae4j.discriminators;

/**
 * Configuration of taming's {@code NLayerDiscriminator}.
 *
 * @param inChannels image channels (3 for RGB)
 * @param ndf filters of the first conv; later convs have ndf * min(2^n, 8)
 * @param nLayers number of stride-2 convs (the first included); one stride-1 conv and the 1-channel output conv follow
 * @param actNorm ActNorm (with conv biases) instead of BatchNorm (convs without bias)
 */
public record PatchGanConfig(int inChannels, int ndf, int nLayers, boolean actNorm) {
    /** Validates the fields. */
    public PatchGanConfig {
        if (inChannels <= 0 || ndf <= 0 || nLayers <= 0) {
            throw new IllegalArgumentException("PatchGAN needs positive inChannels, ndf and nLayers, got " + inChannels
                    + ", " + ndf + ", " + nLayers);
        }
    }

    /** The LDM / taming default: RGB, ndf 64, 3 layers, BatchNorm (2,765,633 parameters, 256x256 -> 1x30x30). */
    public static PatchGanConfig taming() {
        return new PatchGanConfig(3, 64, 3, false);
    }
}
