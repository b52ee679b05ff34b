package dev.vae4j.train;

import dev.vae4j.core.model.Discriminator;
import org.bytedeco.pytorch.Tensor;

/**
 * The discriminator side of a VAE-GAN objective, what the training loop calls on a discriminator step. Images are float
 * (N, C, H, W) in [-1, 1]; implementations detach the reconstructions themselves, so the returned total only reaches
 * the discriminator's parameters.
 */
public interface DiscriminatorObjective {
    /**
     * The discriminator loss of one step.
     *
     * @param inputs the real images x, (N, C, H, W)
     * @param reconstructions the decoder output x̂, (N, C, H, W) (detached by the objective)
     * @param discriminator the discriminator being trained
     * @param step the global step, for the discriminator start step
     * @return the total and the named terms
     */
    LossTerms discriminatorLoss(Tensor inputs, Tensor reconstructions, Discriminator discriminator, long step);
}
