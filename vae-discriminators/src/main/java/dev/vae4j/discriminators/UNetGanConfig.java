package dev.vae4j.discriminators;

/**
 * Configuration of the U-Net GAN discriminator (Schoenfeld et al. 2020, BigGAN-based {@code Unet_Discriminator} of
 * boschresearch/unetgan as shipped by open-LiteVAE), always the 256 architecture: 6 down blocks with widths ch * [1, 2,
 * 4, 8, 8, 16], 6 up blocks with ch * [8, 8, 4, 2, 1, 1], no attention, unconditional.
 *
 * @param inChannels image channels (3)
 * @param ch the width multiplier {@code D_ch}
 * @param snEps the spectral-norm power-iteration epsilon ({@code SN_eps}, 1e-12 in open-LiteVAE)
 */
public record UNetGanConfig(int inChannels, int ch, double snEps) {
    /** Validates the fields. */
    public UNetGanConfig {
        if (inChannels <= 0 || ch <= 0 || !(snEps > 0)) {
            throw new IllegalArgumentException(
                    "UNetGAN needs positive inChannels, ch and snEps, got " + inChannels + ", " + ch + ", " + snEps);
        }
    }

    /** open-LiteVAE's UNetGAN-S: D_ch 16 (2,757,075 parameters). */
    public static UNetGanConfig small() {
        return new UNetGanConfig(3, 16, 1e-12);
    }

    /** UNetGAN-M: D_ch 32 (11,020,707 parameters). */
    public static UNetGanConfig medium() {
        return new UNetGanConfig(3, 32, 1e-12);
    }

    /** UNetGAN-L: D_ch 64 (44,067,651 parameters). */
    public static UNetGanConfig large() {
        return new UNetGanConfig(3, 64, 1e-12);
    }
}
