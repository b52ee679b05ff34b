package dev.vae4j.core.model;

import static org.bytedeco.pytorch.global.torch.full_like;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The "posterior" of a deterministic encoder (diffusers' {@code IdentityDistribution}, used by
 * {@code AutoencoderTiny}): all its mass on one latent z (N, L, h, w). Sampling and the mode return z; the log-variance
 * reads as {@link DiagonalGaussian#LOGVAR_MIN} everywhere (the smallest any posterior reports), and {@link #kl()} is
 * zero, so a KL weight has no effect on a model with such an encoder.
 */
public final class DeterministicLatent implements LatentDistribution {
    private final Tensor latents;

    /** @param latents the encoder's output z, (N, L, h, w) */
    public DeterministicLatent(Tensor latents) {
        this.latents = latents;
    }

    @Override
    public Tensor mean() {
        return latents;
    }

    /** {@link DiagonalGaussian#LOGVAR_MIN} in the latent's shape. */
    @Override
    public Tensor logvar() {
        return full_like(latents, new Scalar(DiagonalGaussian.LOGVAR_MIN));
    }

    /** z, whatever the noise. */
    @Override
    public Tensor sample(Tensor noise) {
        return latents;
    }

    /** z, drawing nothing. */
    @Override
    public Tensor sample(Generator generator) {
        return latents;
    }

    @Override
    public Tensor mode() {
        return latents;
    }

    /** Zeros, (N). */
    @Override
    public Tensor kl() {
        return latents.new_zeros(latents.size(0));
    }
}
