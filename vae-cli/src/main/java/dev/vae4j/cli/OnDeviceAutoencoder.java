package dev.vae4j.cli;

import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.DiagonalGaussian;
import dev.vae4j.core.model.ForwardingAutoencoder;
import dev.vae4j.core.model.LatentDistribution;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * A model whose parameters live on an accelerator, called with CPU tensors (what the image and latent files are read
 * into) and returning CPU tensors: inputs move to the device, results (the posterior's mean and log-variance, decoded
 * images) come back. Shapes are the wrapped model's.
 */
final class OnDeviceAutoencoder extends ForwardingAutoencoder {
    private final Device device;

    /**
     * @param model the model, its parameters already on {@code device}
     * @param device where the model runs
     */
    OnDeviceAutoencoder(Autoencoder model, Device device) {
        super(model);
        this.device = device;
    }

    @Override
    public LatentDistribution encode(Tensor images) {
        LatentDistribution posterior = model.encode(images.to(device, images.scalar_type()));
        return DiagonalGaussian.of(posterior.mean().cpu(), posterior.logvar().cpu());
    }

    @Override
    public Tensor decode(Tensor latents) {
        return model.decode(latents.to(device, latents.scalar_type())).cpu();
    }
}
