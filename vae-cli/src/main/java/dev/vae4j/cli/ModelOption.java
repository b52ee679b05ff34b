package dev.vae4j.cli;

import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.TrainableAutoencoder;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code -m/--model DIR} option of the commands that run a model, and the way they load it: with the
 * {@link ComputeOptions} settings applied first, strictly, in eval mode ({@link CliSupport#loadModel}).
 */
public final class ModelOption {
    @Option(
            names = {"-m", "--model"},
            required = true,
            paramLabel = "DIR",
            description = "Model folder: diffusers AutoencoderKL (or a pipeline folder with vae/), VQModel or LiteVAE.")
    private Path dir;

    /** Creates the option (picocli instantiates it). */
    public ModelOption() {}

    /** The model folder. */
    public Path dir() {
        return dir;
    }

    /** The model on {@code --device} with the fast-path options and, with {@code --tile}, tiled. */
    public Autoencoder loadForInference(ComputeOptions compute, TileOptions tile) {
        compute.apply();
        return tile.apply(compute.prepare(CliSupport.loadModel(dir, compute.nonFinite())));
    }

    /** The model on {@code --device}, unwrapped (for evaluation, which applies the fast-path options itself). */
    public TrainableAutoencoder loadOnDevice(ComputeOptions compute) {
        compute.apply();
        return compute.onDevice(CliSupport.loadModel(dir, compute.nonFinite()));
    }
}
