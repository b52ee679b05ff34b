package dev.vae4j.diffusion.train;

import dev.vae4j.core.model.ConfigEnums;
import java.util.Locale;

/**
 * How cached latents are normalised for stage-2 training (a recipe's {@code latent_norm}): as the autoencoder's
 * pipeline scales them ({@code (z - shift) * scaling_factor}, what the cache stores), or additionally per channel to
 * zero mean and unit variance with the statistics the cache's index records, as LightningDiT trains.
 */
public enum LatentNorm {
    /** The autoencoder's scaling and shift factors (the cache's latents as they are); spelled {@code vae_scaling}. */
    VAE_SCALING,
    /** {@code (x - mean_c) / std_c} with the cache's per-channel statistics; spelled {@code channel_stats}. */
    CHANNEL_STATS;

    /**
     * The normalisation spelled {@code text} ({@code vae_scaling} or {@code channel_stats}, case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted spellings
     */
    public static LatentNorm parse(String text) {
        return ConfigEnums.parse(LatentNorm.class, text, "latent_norm");
    }

    /** The recipe spelling. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
