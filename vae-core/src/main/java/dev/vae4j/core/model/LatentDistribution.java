package dev.vae4j.core.model;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * The posterior q(z|x) an {@link Autoencoder} returns from {@code encode}: a distribution over latents of shape (N, L,
 * h, w). Reductions ({@link #kl()}) sum over C, H, W and return one value per sample (N).
 */
public interface LatentDistribution {
    /** Mean, (N, L, h, w). */
    Tensor mean();

    /** Log-variance, (N, L, h, w). */
    Tensor logvar();

    /** The sample for caller-supplied standard normal {@code noise} of the latent's shape (N, L, h, w). */
    Tensor sample(Tensor noise);

    /** A sample drawn with {@code generator} (a CPU generator draws on the CPU, then moves to the mean's device). */
    Tensor sample(Generator generator);

    /** The most likely latent (the mean), (N, L, h, w). */
    Tensor mode();

    /** KL divergence to N(0, I), summed over C, H, W: shape (N). */
    Tensor kl();
}
