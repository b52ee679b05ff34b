package dev.vae4j.cli;

import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.sampling.NoiseSource;
import dev.vae4j.diffusion.sampling.Sampler;
import dev.vae4j.diffusion.sampling.SamplerKind;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vae sample}: class-conditional images from a diffusers {@code DiTPipeline} folder, as
 * {@code pipe(class_labels=[c0] * N + [c1] * N + ..., num_inference_steps, guidance_scale,
 * generator=torch.manual_seed(seed))} generates them (on the CPU), or from a stage-2 run folder ({@code vae train
 * --recipe dit-s2|sit-s2|latent-unet|dit-synthetic --latents CACHE}: its EMA denoiser, its latent normalisation undone,
 * decoded by the autoencoder {@code --vae}), written as 8-bit PNGs {@code <class>-<i>.png} and a grid {@code grid.png}
 * (a row per class). {@code --sampler} and {@code --eta} replace the model's own sampler. The initial latents may come
 * from a safetensors file ({@code --noise}) and the final ones be saved ({@code --output-latents}), so a run can be
 * reproduced across tools.
 */
@Command(
        name = "sample",
        mixinStandardHelpOptions = true,
        description = "Sample class-conditional images from a diffusers DiTPipeline folder or a stage-2 run folder into"
                + " PNG files.")
public final class SampleCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(
            names = {"-m", "--model"},
            required = true,
            paramLabel = "DIR",
            description = "A DiTPipeline folder (model_index.json, transformer/, vae/, scheduler/) or a stage-2 run"
                    + " folder (vae train --recipe dit-s2|sit-s2|latent-unet|dit-synthetic --latents CACHE --out DIR).")
    private Path model;

    @Option(
            names = "--vae",
            paramLabel = "M",
            description = "The autoencoder model folder that decodes the latents: required for a run folder (the one"
                    + " that encoded its cache); for a pipeline folder it replaces its vae/.")
    private Path vae;

    @Option(
            names = "--sampler",
            paramLabel = "NAME",
            description = "ddim, ddpm, dpm-solver++ (diffusion models) or euler (rectified flows); default: the"
                    + " model's own (a run's recipe, a pipeline's scheduler_config.json).")
    private String sampler;

    @Option(
            names = "--eta",
            paramLabel = "ETA",
            description = "DDIM's stochasticity, >= 0 (0: deterministic); only with --sampler ddim (default: 0).")
    private Double eta;

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
            description =
                    "Seed of the initial noise, and of a DDPM scheduler's step noise (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(
            names = "--noise",
            paramLabel = "FILE",
            description =
                    "Initial latents instead of seeded noise: a safetensors file with tensor 'noise' of shape"
                            + " (classes x count, C, s, s), float; latent i becomes image <classes[i / count]>-<i %% count>.png.")
    private Path noise;

    @Option(
            names = "--output-latents",
            paramLabel = "FILE",
            description = "Also write the final latents (before decoding) to this safetensors file, tensor 'latents'"
                    + " (classes x count, C, s, s).")
    private Path outputLatents;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "OUT",
            description = "A folder (created) for the PNG files <class>-<i>.png.")
    private Path output;

    /** The grid of all samples in the output folder, a row per class. */
    static final String GRID_FILE = "grid.png";

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
        SamplerKind kind = sampler == null ? null : SamplerKind.parse(sampler);
        if (eta != null && kind != SamplerKind.DDIM) {
            throw new IllegalArgumentException("--eta " + eta + " is DDIM's: give it with --sampler ddim");
        }
        names.add(GRID_FILE);
        overwrite.refuseExisting(output, names);
        if (outputLatents != null && !overwrite.allowed() && Files.exists(outputLatents)) {
            throw new IllegalArgumentException("--output-latents " + outputLatents
                    + " exists; give another --output-latents or --overwrite to replace it");
        }
        SampleModel source = SampleModel.open(model, vae);
        try (TensorScope scope = new TensorScope()) {
            long[] shape = source.latentShape();
            Generator generator = torch.createCPUGenerator(seed);
            Tensor initial = noise == null
                    ? torch.randn(
                            new long[] {labels.length, shape[0], shape[1], shape[2]},
                            new GeneratorOptional(generator),
                            new TensorOptions(torch.ScalarType.Float))
                    : readNoise(shape, labels.length);
            Sampler chosen = source.sampler(kind, steps, eta == null ? 0.0 : eta, NoiseSource.of(generator));
            Tensor latents = source.generateLatents(labels, chosen, cfg, initial);
            if (outputLatents != null) {
                CliSupport.createParent(outputLatents);
                SafetensorsWriter.write(outputLatents, Map.of("latents", latents), null);
            }
            Tensor images = source.decode(latents);
            CliSupport.createFolder(output);
            for (int i = 0; i < labels.length; i++) {
                ImageTensors.writePng(images.get(i), output.resolve(names.get(i)));
            }
            ImageTensors.writePng(grid(images, classes.size()), output.resolve(GRID_FILE));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "sampled %d images into %s%n", labels.length, output);
        out.flush();
        return 0;
    }

    /** Images (rows x columns, 3, H, W) tiled into one image (3, rows x H, columns x W), a row per class. */
    static Tensor grid(Tensor images, int rows) {
        long[] size = images.sizes().vec().get();
        long columns = size[0] / rows;
        return images.view(rows, columns, size[1], size[2], size[3])
                .permute(2, 0, 3, 1, 4)
                .reshape(size[1], rows * size[2], columns * size[3]);
    }

    /**
     * The initial latents (n, C, s, s) float32 of {@code --noise}.
     *
     * @throws IllegalArgumentException in one line naming the file and the shape expected, when the tensor is missing,
     *     of another shape or not floating point
     */
    private Tensor readNoise(long[] latentShape, int n) {
        long channels = latentShape[0];
        long size = latentShape[1];
        String expected = String.format(
                Locale.ROOT,
                "a float tensor 'noise' of shape (%d, %d, %d, %d) (%d classes x --count %d, C, s, s)",
                n,
                channels,
                size,
                size,
                classes.size(),
                count);
        try (SafetensorsReader reader = SafetensorsReader.open(noise)) {
            if (!reader.contains("noise")) {
                throw new IllegalArgumentException("--noise " + noise + " has no tensor 'noise' (it has: "
                        + String.join(", ", reader.names()) + "); expected " + expected);
            }
            long[] shape = reader.entry("noise").shape();
            if (!Arrays.equals(shape, new long[] {n, channels, size, size})) {
                throw new IllegalArgumentException("--noise " + noise + ": tensor 'noise' has shape "
                        + Arrays.toString(shape) + "; expected " + expected);
            }
            Tensor tensor = reader.load("noise");
            if (!tensor.is_floating_point()) {
                throw new IllegalArgumentException("--noise " + noise + ": tensor 'noise' has dtype "
                        + reader.entry("noise").dtype() + "; expected " + expected);
            }
            return tensor.to(torch.ScalarType.Float);
        }
    }
}
