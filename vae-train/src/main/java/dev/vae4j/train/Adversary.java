package dev.vae4j.train;

import dev.vae4j.core.model.Discriminator;

/**
 * The GAN half of a training run: the discriminator (over images (N, C, H, W) in [-1, 1]) and the loss it is trained
 * with. A run without one trains the autoencoder on its reconstruction objective alone.
 *
 * @param discriminator the discriminator network
 * @param objective its loss on real images and detached reconstructions
 */
public record Adversary(Discriminator discriminator, DiscriminatorObjective objective) {
    /** Both parts are required. */
    public Adversary {
        if (discriminator == null || objective == null) {
            throw new IllegalArgumentException("an adversary needs both a discriminator and a discriminator objective");
        }
    }
}
