package dev.vae4j.core.model.tiny;

import dev.vae4j.core.model.AutoencoderFormat;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.model.TrainableAutoencoder;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The diffusers {@code AutoencoderTiny} folder format; presets {@code taesd, taesdxl, taesd3, taef1, taef2, taesana}
 * (see {@link AutoencoderTinyConfig#presets()}).
 */
public final class AutoencoderTinyFormat implements AutoencoderFormat {
    @Override
    public String className() {
        return AutoencoderTinyConfig.CLASS_NAME;
    }

    @Override
    public TrainableAutoencoder load(Path dir) {
        return AutoencoderTiny.fromPretrained(dir);
    }

    @Override
    public TrainableAutoencoder create(ModelConfig config) {
        return new AutoencoderTiny(AutoencoderTinyConfig.fromConfig(config));
    }

    @Override
    public Optional<ModelConfig> preset(String name) {
        return Optional.ofNullable(AutoencoderTinyConfig.presets().get(name.toLowerCase(Locale.ROOT)))
                .map(AutoencoderTinyConfig::toConfig);
    }
}
