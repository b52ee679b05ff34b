package dev.vae4j.core.model.tiny;

import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.core.tensor.TensorScope;
import java.util.Optional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * Cheap previews of a big VAE's latents with the tiny decoder trained for its latent space (taesd for SD1/2, taesdxl
 * for SDXL, taesd3 for SD3, taef1 for FLUX.1, taef2 for FLUX.2), e.g. every N steps of a diffusion sampler: the decoder
 * is ~1.2 M parameters against the SD decoder's 49.5 M.
 *
 * <p>Latents are given <b>normalised</b>, exactly as the diffusion model sees them and as the big VAE's
 * {@link dev.vae4j.core.model.LatentNormalizer#normalize} (and {@code vae encode} without {@code --raw}) writes them;
 * the preview undoes the tiny model's own normalisation (identity for taesd.py's weights) before decoding. Images come
 * back (N, 3, fh, fw) in [-1, 1] (clamped), like every vae4j decoder's, on the latents' device.
 */
public final class LatentPreview {
    private final AutoencoderTiny tiny;
    private final int every;

    /**
     * @param tiny a model holding its decoder (an encoder is not needed)
     * @param every preview every {@code every} steps (see {@link #atStep}); at least 1
     * @throws IllegalStateException if the model has no decoder
     * @throws IllegalArgumentException if {@code every < 1}
     */
    public LatentPreview(AutoencoderTiny tiny, int every) {
        tiny.decoder();
        if (every < 1) {
            throw new IllegalArgumentException("preview interval must be >= 1 step, got " + every);
        }
        this.tiny = tiny;
        this.every = every;
    }

    /**
     * A preview for the latents of {@code bigVae}, checking that the tiny decoder works in its latent space (same
     * latent channels and spatial factor).
     *
     * @throws IllegalArgumentException naming both models' latent geometry when they differ
     */
    public static LatentPreview forModel(AutoencoderTiny tiny, Autoencoder bigVae, int every) {
        if (tiny.latentChannels() != bigVae.latentChannels()
                || tiny.config().decoderUpsampling() != bigVae.downsamplingFactor()) {
            throw new IllegalArgumentException("the tiny decoder takes " + tiny.latentChannels() + "-channel latents "
                    + "at f" + tiny.config().decoderUpsampling() + " but the model makes " + bigVae.latentChannels()
                    + "-channel latents at f" + bigVae.downsamplingFactor() + ": use the tiny decoder of that "
                    + "model's latent space");
        }
        return new LatentPreview(tiny, every);
    }

    /** Whether step {@code step} (0-based) gets a preview: every {@code every}-th step, counting from 1. */
    public boolean isDue(long step) {
        return (step + 1) % every == 0;
    }

    /** The preview of {@code normalizedLatents} if step {@code step} is due ({@link #isDue}), else empty. */
    public Optional<Tensor> atStep(long step, Tensor normalizedLatents) {
        return isDue(step) ? Optional.of(decode(normalizedLatents)) : Optional.empty();
    }

    /**
     * Normalised latents (N, L, h, w) -> images (N, out, fh, fw) in [-1, 1], without gradients.
     *
     * @throws IllegalArgumentException for latents of the wrong channel count or rank
     */
    public Tensor decode(Tensor normalizedLatents) {
        Shapes.requireNchw(normalizedLatents, "latents", tiny.latentChannels(), 1);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            return TensorScope.scoped(() -> tiny.decode(tiny.latentNormalizer().denormalize(normalizedLatents))
                    .clamp(new ScalarOptional(new Scalar(-1.0)), new ScalarOptional(new Scalar(1.0))));
        }
    }
}
