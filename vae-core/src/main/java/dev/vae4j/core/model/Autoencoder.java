package dev.vae4j.core.model;

import static org.bytedeco.pytorch.global.torch.cat;

import dev.vae4j.core.quant.Quantizer;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * What the training loop, the CLI and evaluation need of a latent autoencoder. Images are float (N, C, H, W) in [-1,
 * 1]; latents are (N, L, H/f, W/f) with f = {@link #downsamplingFactor()}.
 */
public interface Autoencoder {
    /** Encodes images (N, C, H, W) into the posterior over latents. */
    LatentDistribution encode(Tensor images);

    /**
     * The posterior's parameters for images (N, C, H, W), stacked along channels: (N, m*L, h, w). Tiled encoding
     * ({@link TiledCodec}) blends these across tiles and turns the result back into a posterior with
     * {@link #posterior(Tensor)}. The default stacks the mean and the log-variance of {@link #encode} (m = 2).
     */
    default Tensor moments(Tensor images) {
        LatentDistribution posterior = encode(images);
        return cat(new TensorVector(posterior.mean(), posterior.logvar()), 1);
    }

    /**
     * The posterior of moments (N, m*L, h, w) as {@link #moments(Tensor)} returns them; the default reads the mean then
     * the log-variance (a {@link DiagonalGaussian}).
     */
    default LatentDistribution posterior(Tensor moments) {
        return DiagonalGaussian.fromMoments(moments);
    }

    /** Decodes latents (N, L, h, w) into images (N, C, h*f, w*f). */
    Tensor decode(Tensor latents);

    /** Image channels the encoder accepts. */
    int imageChannels();

    /** Image channels the decoder produces (the image channels unless configured otherwise). */
    default int outputChannels() {
        return imageChannels();
    }

    /** Latent channels L. */
    int latentChannels();

    /** Spatial factor f between image and latent sides. */
    int downsamplingFactor();

    /** The pipeline-side latent scaling of this model (identity when it has none). */
    LatentNormalizer latentNormalizer();

    /**
     * Whether this model must run in float32 when fp16 is asked for (diffusers' {@code force_upcast}, true for VAEs
     * whose activations overflow float16); false unless the model's configuration says so.
     */
    default boolean forceUpcast() {
        return false;
    }

    /**
     * The quantizer of a discrete-latent model ({@link VQModel}), whose raw latents are its codes:
     * {@code quantizer().get().quantize(z).indices()} gives their indices and codebook usage. Empty for continuous
     * latents (the default).
     */
    default Optional<Quantizer> quantizer() {
        return Optional.empty();
    }
}
