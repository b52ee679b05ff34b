package dev.vae4j.core.model;

import dev.vae4j.core.quant.Quantizer;
import java.util.Objects;
import java.util.Optional;

/**
 * Base of autoencoders that wrap another one and change only how {@code encode}/{@code decode} run (tiling, autocast,
 * another device): the shape contract (image, output and latent channels, downsampling factor), the latent scaling and
 * {@code force_upcast} and the quantizer are the wrapped model's.
 */
public abstract class ForwardingAutoencoder implements Autoencoder {
    /** The wrapped model. */
    protected final Autoencoder model;

    /** @param model the model to wrap */
    protected ForwardingAutoencoder(Autoencoder model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    @Override
    public int imageChannels() {
        return model.imageChannels();
    }

    @Override
    public int outputChannels() {
        return model.outputChannels();
    }

    @Override
    public int latentChannels() {
        return model.latentChannels();
    }

    @Override
    public int downsamplingFactor() {
        return model.downsamplingFactor();
    }

    @Override
    public LatentNormalizer latentNormalizer() {
        return model.latentNormalizer();
    }

    @Override
    public boolean forceUpcast() {
        return model.forceUpcast();
    }

    @Override
    public Optional<Quantizer> quantizer() {
        return model.quantizer();
    }
}
