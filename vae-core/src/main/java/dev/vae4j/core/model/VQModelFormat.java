package dev.vae4j.core.model;

import java.nio.file.Path;
import java.util.Optional;

/** The diffusers {@code VQModel} folder format; preset {@code vq-f4} (see {@link VQModelConfig#preset}). */
public final class VQModelFormat implements AutoencoderFormat {
    @Override
    public String className() {
        return VQModelConfig.CLASS_NAME;
    }

    @Override
    public TrainableAutoencoder load(Path dir) {
        return VQModel.fromPretrained(dir);
    }

    @Override
    public TrainableAutoencoder create(ModelConfig config) {
        return new VQModel(VQModelConfig.fromConfig(config));
    }

    @Override
    public Optional<ModelConfig> preset(String name) {
        return VQModelConfig.preset(name).map(VQModelConfig::toConfig);
    }
}
