package dev.vae4j.core.model;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The diffusers {@code AutoencoderKL} folder format ({@code config.json} +
 * {@code diffusion_pytorch_model.safetensors}).
 */
public final class AutoencoderKLFormat implements AutoencoderFormat {
    @Override
    public String className() {
        return AutoencoderKLConfig.CLASS_NAME;
    }

    @Override
    public TrainableAutoencoder load(Path dir) {
        return AutoencoderKL.fromPretrained(dir);
    }

    @Override
    public TrainableAutoencoder create(ModelConfig config) {
        return new AutoencoderKL(AutoencoderKLConfig.fromConfig(config));
    }

    @Override
    public Optional<ModelConfig> preset(String name) {
        return AutoencoderKLConfig.presetNames().contains(name.toLowerCase(java.util.Locale.ROOT))
                ? Optional.of(AutoencoderKLConfig.preset(name).toConfig())
                : Optional.empty();
    }
}
