package dev.vae4j.core.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a model's files are, as diffusers lays them out: {@code config.json} and the weights directly in the folder, or
 * in the {@value #SUBFOLDER}/ subfolder of a pipeline folder. Every command and loader that takes a model folder finds
 * its files here.
 */
public final class ModelFolder {
    /** The subfolder of a diffusers pipeline folder that holds the autoencoder. */
    public static final String SUBFOLDER = "vae";
    /** The model's configuration file. */
    public static final String CONFIG_FILE = "config.json";

    private ModelFolder() {}

    /** The folder holding {@code config.json}: {@code dir} itself or its {@code vae/} subfolder; empty if neither. */
    public static Optional<Path> find(Path dir) {
        if (Files.isRegularFile(dir.resolve(CONFIG_FILE))) {
            return Optional.of(dir);
        }
        Path pipeline = dir.resolve(SUBFOLDER);
        return Files.isRegularFile(pipeline.resolve(CONFIG_FILE)) ? Optional.of(pipeline) : Optional.empty();
    }

    /**
     * The folder holding {@code config.json}.
     *
     * @throws IllegalArgumentException naming both places looked in, or saying that {@code dir} does not exist
     */
    public static Path resolve(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model folder " + dir + " does not exist or is not a folder");
        }
        return find(dir)
                .orElseThrow(() -> new IllegalArgumentException(
                        "no " + CONFIG_FILE + " in " + dir + " or " + dir.resolve(SUBFOLDER)));
    }

    /** The {@code config.json} of the model in {@code dir} (see {@link #resolve}). */
    public static Path config(Path dir) {
        return resolve(dir).resolve(CONFIG_FILE);
    }
}
