package dev.vae4j.core.model;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A kind of autoencoder model folder, discovered with {@link java.util.ServiceLoader}: the folder's {@code config.json}
 * names its class in {@code _class_name} ({@code AutoencoderKL}, {@code LiteVAE}, ...), and the format registered for
 * that name loads it. Modules add formats through {@code META-INF/services/dev.vae4j.core.model.AutoencoderFormat}.
 */
public interface AutoencoderFormat {
    /** The {@code _class_name} this format loads. */
    String className();

    /** Loads the model folder {@code dir} strictly. */
    TrainableAutoencoder load(Path dir);

    /** A freshly initialised model from a config of this class. */
    TrainableAutoencoder create(ModelConfig config);

    /** The config of preset {@code name} if this format has one by that name. */
    Optional<ModelConfig> preset(String name);
}
