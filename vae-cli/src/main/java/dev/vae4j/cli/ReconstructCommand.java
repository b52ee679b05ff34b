package dev.vae4j.cli;

import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.LatentDistribution;
import dev.vae4j.core.tensor.InferenceScope;
import dev.vae4j.core.tensor.NonFiniteValues;
import dev.vae4j.core.tensor.TensorScope;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vae reconstruct}: image(s) -> encode -> decode -> 8-bit PNG(s) of the same size, with the posterior mode
 * (default) or a seeded sample. The input is an image file or a folder of images (sizes may differ; batches hold
 * consecutive images of one size). The output is a {@code .png} file for a single input image, otherwise a folder
 * (created) holding one {@code <name>.png} per input image. No existing file is written over without
 * {@code --overwrite}, and never an input image.
 */
@Command(
        name = "reconstruct",
        mixinStandardHelpOptions = true,
        description = "Encode and decode images (autoencoder round trip) and write PNGs.")
public final class ReconstructCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ComputeOptions compute;

    @Mixin
    private TileOptions tile;

    @Mixin
    private ModelOption modelOption;

    @Option(
            names = {"-i", "--input"},
            required = true,
            paramLabel = "IMG_OR_DIR",
            description = "An image file or a folder of images.")
    private Path input;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "PNG_OR_DIR",
            description = "A .png file (single input image) or a folder (created).")
    private Path output;

    @Option(names = "--sample", description = "Decode a posterior sample instead of the mode (see --seed).")
    private boolean sample;

    @Option(
            names = "--seed",
            paramLabel = "N",
            defaultValue = "0",
            description = "Seed of the CPU generator for --sample (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Mixin
    private OverwriteOption overwrite;

    /** Creates the command (picocli instantiates it). */
    public ReconstructCommand() {}

    @Override
    public Integer call() {
        ImageInputs images = ImageInputs.resolve(input);
        boolean toFile = CliSupport.hasExtension(output, ".png");
        if (toFile && images.isFolder()) {
            throw new ParameterException(
                    spec.commandLine(), "--output must be a folder when --input is a folder," + " got " + output);
        }
        Path folder = toFile ? output.toAbsolutePath().getParent() : output;
        List<String> names = toFile ? List.of(output.getFileName().toString()) : CliSupport.pngNames(images.names());
        for (int i = 0; i < images.count(); i++) {
            if (CliSupport.sameFile(images.files().get(i), folder.resolve(names.get(i)))) {
                throw new IllegalArgumentException("output " + folder.resolve(names.get(i)) + " is the input image "
                        + images.files().get(i) + "; choose another --output to keep the original");
            }
        }
        overwrite.refuseExisting(folder, names);
        CliSupport.createFolder(folder);
        Autoencoder model = modelOption.loadForInference(compute, tile);
        int channels = ImageInputs.channels(model);
        if (model.outputChannels() != 1 && model.outputChannels() != 3) {
            throw new IllegalArgumentException(
                    "the model decodes " + model.outputChannels() + "-channel images, which PNG cannot hold");
        }
        images.requireDivisible(model.downsamplingFactor());
        PrintWriter out = spec.commandLine().getOut();
        NonFiniteValues nonFinite = compute.nonFinite();
        try (InferenceScope scope = new InferenceScope()) {
            Generator generator = sample ? torch.createCPUGenerator(seed) : null;
            CliSupport.Progress progress = new CliSupport.Progress("reconstructed", images.count());
            int done = 0;
            for (List<Integer> batch : images.batches(compute.batchSize())) {
                try (TensorScope step = new TensorScope()) {
                    Tensor pixels = ImageTensors.readBatch(images.files(batch), channels);
                    LatentDistribution posterior = model.encode(pixels);
                    Tensor z = generator == null ? posterior.mode() : posterior.sample(generator);
                    Tensor decoded = model.decode(z);
                    nonFinite.check("reconstruction of " + images.files(batch), decoded);
                    for (int i = 0; i < batch.size(); i++) {
                        ImageTensors.writePng(decoded.get(i), folder.resolve(names.get(batch.get(i))));
                    }
                }
                done += batch.size();
                progress.advance(done);
            }
        }
        out.printf(Locale.ROOT, "reconstructed %d image(s) -> %s%n", images.count(), toFile ? output : folder);
        out.flush();
        return 0;
    }
}
