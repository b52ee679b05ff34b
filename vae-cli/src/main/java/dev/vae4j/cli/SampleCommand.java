package dev.vae4j.cli;

import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.pipeline.DiTPipeline;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vae sample}: class-conditional images from a diffusers {@code DiTPipeline} folder, as
 * {@code pipe(class_labels=[c0] * N + [c1] * N + ..., num_inference_steps, guidance_scale,
 * generator=torch.manual_seed(seed))} generates them (on the CPU), written as 8-bit PNGs {@code <class>-<i>.png}.
 */
@Command(
        name = "sample",
        mixinStandardHelpOptions = true,
        description = "Sample class-conditional images from a diffusers DiTPipeline folder into PNG files.")
public final class SampleCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(
            names = {"-m", "--model"},
            required = true,
            paramLabel = "DIR",
            description = "A DiTPipeline folder (model_index.json, transformer/, vae/, scheduler/).")
    private Path model;

    @Option(
            names = "--classes",
            required = true,
            split = ",",
            paramLabel = "ID",
            description = "Class ids to sample, comma-separated (e.g. 0,3).")
    private List<Long> classes;

    @Option(names = "--count", defaultValue = "1", description = "Images per class (default: ${DEFAULT-VALUE}).")
    private int count;

    @Option(names = "--steps", defaultValue = "50", description = "Sampler steps (default: ${DEFAULT-VALUE}).")
    private int steps;

    @Option(
            names = "--cfg",
            defaultValue = "4.0",
            description = "Classifier-free guidance scale, 1 for none (default: ${DEFAULT-VALUE}).")
    private double cfg;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of the initial noise (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "OUT",
            description = "A folder (created) for the PNG files <class>-<i>.png.")
    private Path output;

    @Mixin
    private OverwriteOption overwrite;

    /** Creates the command (picocli instantiates it). */
    public SampleCommand() {}

    @Override
    public Integer call() {
        if (count < 1) {
            throw new IllegalArgumentException("--count " + count + " is below 1");
        }
        long[] labels = new long[classes.size() * count];
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            for (int i = 0; i < count; i++) {
                labels[c * count + i] = classes.get(c);
                names.add(String.format(Locale.ROOT, "%d-%d.png", classes.get(c), i));
            }
        }
        overwrite.refuseExisting(output, names);
        DiTPipeline pipeline = DiTPipeline.load(model);
        try (TensorScope scope = new TensorScope()) {
            Tensor images = pipeline.generate(labels, steps, cfg, seed);
            CliSupport.createFolder(output);
            for (int i = 0; i < labels.length; i++) {
                ImageTensors.writePng(images.get(i), output.resolve(names.get(i)));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "sampled %d images into %s%n", labels.length, output);
        out.flush();
        return 0;
    }
}
