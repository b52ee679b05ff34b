package dev.vae4j.train;

import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.model.LatentDistribution;
import java.util.List;
import java.util.OptionalLong;
import org.bytedeco.pytorch.Tensor;

/**
 * The autoencoder (generator) side of a VAE-GAN objective, what the training loop calls on a generator step. Images are
 * float (N, C, H, W) in [-1, 1]; the returned total is differentiated with respect to the autoencoder's parameters (and
 * {@link #parameters()}).
 */
public interface GeneratorObjective {
    /**
     * The generator loss of one step.
     *
     * @param inputs the real images x, (N, C, H, W)
     * @param reconstructions the decoder output x̂ (with its graph), (N, C, H, W)
     * @param posterior q(z|x) of the encoder, for the KL term
     * @param discriminator the discriminator (its parameters receive gradients only if the loop lets them)
     * @param step the global step (count of generator updates) for schedules such as a GAN start step
     * @param lastLayerWeight the decoder's last-layer weight ({@code decoder.conv_out.weight}), for an adaptive GAN
     *     weight; may be null when the objective does not need it
     * @return the total and the named terms
     */
    LossTerms generatorLoss(
            Tensor inputs,
            Tensor reconstructions,
            LatentDistribution posterior,
            Discriminator discriminator,
            long step,
            Tensor lastLayerWeight);

    /**
     * The first step whose loss uses the discriminator, when the objective has a GAN term: the trainer checks that it
     * trains the discriminator from that step on (it may start earlier, as pytorch-diffusion's VQ loop does).
     */
    default OptionalLong ganStart() {
        return OptionalLong.empty();
    }

    /** Parameters the objective itself learns (a learnable log-variance); add them to the generator optimizer. */
    default List<Tensor> parameters() {
        return List.of();
    }
}
