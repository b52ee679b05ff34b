package dev.vae4j.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Opens any autoencoder model folder by the {@code _class_name} of its {@code config.json} (a diffusers pipeline
 * folder's {@code vae/} subfolder too), using the {@link AutoencoderFormat}s on the class path. A config without
 * {@code _class_name} is taken as diffusers' {@code AutoencoderKL}.
 */
public final class Autoencoders {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Autoencoders() {}

    /** The registered formats by class name. */
    public static Map<String, AutoencoderFormat> formats() {
        Map<String, AutoencoderFormat> formats = new LinkedHashMap<>();
        for (AutoencoderFormat format : ServiceLoader.load(AutoencoderFormat.class)) {
            formats.put(format.className(), format);
        }
        return formats;
    }

    /**
     * A freshly initialised model from a config; its {@code _class_name} picks the format (absent:
     * {@code AutoencoderKL}).
     */
    public static TrainableAutoencoder create(ModelConfig config) {
        return format(config.className(), "config").create(config);
    }

    /** The config object of preset {@code name} of any format ({@code sd}, {@code flux}, {@code litevae-open-b}...). */
    public static ModelConfig preset(String name) {
        for (AutoencoderFormat format : formats().values()) {
            java.util.Optional<ModelConfig> config = format.preset(name);
            if (config.isPresent()) {
                return config.get();
            }
        }
        throw new IllegalArgumentException(
                "unknown model preset '" + name + "' (AutoencoderKL: " + AutoencoderKLConfig.presetNames()
                        + "; other formats: " + formats().keySet() + ")");
    }

    private static AutoencoderFormat format(String className, String where) {
        Map<String, AutoencoderFormat> formats = formats();
        AutoencoderFormat format = formats.get(className);
        if (format == null) {
            throw new IllegalArgumentException(
                    where + " names model class '" + className + "'; loadable: " + formats.keySet());
        }
        return format;
    }

    /**
     * Loads the model in {@code dir} strictly.
     *
     * @throws IllegalArgumentException if the folder has no config or names a class no format loads
     */
    public static TrainableAutoencoder load(Path dir) {
        Path folder = ModelFolder.resolve(dir);
        Path config = folder.resolve(ModelFolder.CONFIG_FILE);
        String className = ModelConfig.read(config).className();
        return format(className, config.toString()).load(folder);
    }
}
