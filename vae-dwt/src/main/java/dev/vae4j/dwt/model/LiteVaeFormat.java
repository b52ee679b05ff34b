package dev.vae4j.dwt.model;

import dev.vae4j.core.model.AutoencoderFormat;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.model.TrainableAutoencoder;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The LiteVAE model folder format ({@code config.json} with {@code _class_name: LiteVAE} + {@code model.safetensors}).
 */
public final class LiteVaeFormat implements AutoencoderFormat {
    @Override
    public String className() {
        return LiteVaeConfig.CLASS_NAME;
    }

    @Override
    public TrainableAutoencoder load(Path dir) {
        return LiteVae.fromPretrained(dir);
    }

    /** Presets are named {@code litevae-} plus a {@link LiteVaeConfig#preset(String)} name (litevae-open-b, ...). */
    @Override
    public TrainableAutoencoder create(ModelConfig config) {
        return new LiteVae(LiteVaeConfig.fromConfig(config));
    }

    @Override
    public Optional<ModelConfig> preset(String name) {
        String key = name.toLowerCase(java.util.Locale.ROOT);
        if (!key.startsWith("litevae-") || !LiteVaeConfig.presetNames().contains(key.substring(8))) {
            return Optional.empty();
        }
        return Optional.of(LiteVaeConfig.preset(key.substring(8)).toConfig());
    }
}
