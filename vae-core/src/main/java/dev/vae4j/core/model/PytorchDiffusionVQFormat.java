package dev.vae4j.core.model;

import java.nio.file.Path;
import java.util.Optional;

/** vae4j's folder format of stanipov/pytorch-diffusion's VQ-VAE ({@link PytorchDiffusionVQModel}); no presets. */
public final class PytorchDiffusionVQFormat implements AutoencoderFormat {
    @Override
    public String className() {
        return PytorchDiffusionVQConfig.CLASS_NAME;
    }

    @Override
    public TrainableAutoencoder load(Path dir) {
        return PytorchDiffusionVQModel.fromPretrained(dir);
    }

    @Override
    public TrainableAutoencoder create(ModelConfig config) {
        return new PytorchDiffusionVQModel(PytorchDiffusionVQConfig.fromConfig(config));
    }

    @Override
    public Optional<ModelConfig> preset(String name) {
        return Optional.empty();
    }
}
