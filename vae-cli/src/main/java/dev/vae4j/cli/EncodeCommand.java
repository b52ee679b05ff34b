package dev.vae4j.cli;

import static dev.vae4j.cli.CliSupport.shape;

import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.io.SafetensorsEntry;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.LatentDistribution;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.tensor.NonFiniteValues;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.dist.DistributedContext;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vae encode}: images -> latents. With a folder as {@code --output} (ending with {@code /} or existing) it
 * writes a latent cache of shards from images of any size ({@link LatentCacheCommandOptions}). Otherwise the input is
 * an image file, a folder of images of one size, or a {@code .safetensors} file whose tensor {@code images} is (N, C,
 * H, W) in [-1, 1]. The output {@code .safetensors} file holds float32 tensors {@code latents} (N, L, H/f, W/f) — the
 * posterior mode, or a sample with {@code --sample}, normalised with the model's {@code (z - shift) * scale} unless
 * {@code --raw} — and the posterior's {@code mean} and {@code logvar} (raw, same shape). Its metadata records
 * {@code files} (a JSON list of the input file names, for image inputs), {@code latents} ({@code normalized} or
 * {@code raw}), {@code posterior} ({@code mode} or {@code sample}) and, for samples, {@code seed}.
 */
@Command(
        name = "encode",
        mixinStandardHelpOptions = true,
        description = "Encode images into latents (a .safetensors file with latents, mean, logvar).")
public final class EncodeCommand implements Callable<Integer> {
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
            paramLabel = "IN",
            description = "An image file, a folder of images of one size, or a .safetensors file with a tensor"
                    + " 'images' (N, C, H, W) in [-1, 1]; for a cache folder output also tar shards or"
                    + " synthetic:N[:SEED] (N built-in synthetic images at --resolution).")
    private Path input;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "OUT.safetensors|DIR/",
            description = "Output file: tensors latents, mean, logvar (float32); or, ending with / or naming a"
                    + " folder, a latent cache folder of shards + index.json (inputs of any size, see --resolution).")
    private String outputArgument;

    private Path output;

    @Mixin
    private LatentCacheCommandOptions cache;

    @ArgGroup(exclusive = true)
    private Posterior posterior = new Posterior();

    /** {@code --mean} (default) or {@code --sample}. */
    static final class Posterior {
        @Option(names = "--mean", description = "Use the posterior mode (mean) as latents (default).")
        boolean mean;

        @Option(names = "--sample", description = "Draw the latents from the posterior (see --seed).")
        boolean sample;
    }

    @Option(
            names = "--seed",
            paramLabel = "N",
            defaultValue = "0",
            description = "Seed of the CPU generator for --sample (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--raw", description = "Store raw latents z, without the model's scaling/shift.")
    private boolean raw;

    @Mixin
    private OverwriteOption overwrite;

    /** Creates the command (picocli instantiates it). */
    public EncodeCommand() {}

    @Override
    public Integer call() {
        output = Path.of(outputArgument);
        if (LatentCacheCommandOptions.isFolderOutput(outputArgument, output)) {
            return writeCache();
        }
        if (!CliSupport.hasExtension(output, ".safetensors")) {
            throw new ParameterException(spec.commandLine(), "--output must be a .safetensors file, got " + output);
        }
        if (CliSupport.sameFile(input, output)) {
            throw new IllegalArgumentException("--output " + output + " is the input file; refusing to overwrite it");
        }
        overwrite.refuseExisting(output);
        boolean tensorInput = Files.isRegularFile(input) && CliSupport.hasExtension(input, ".safetensors");
        // Inputs and the output folder are checked before the model is loaded, so mistakes fail fast.
        ImageInputs images = tensorInput ? null : ImageInputs.resolve(input);
        if (images != null) {
            images.requireSameSize();
        }
        PrintWriter out = spec.commandLine().getOut();
        try (SafetensorsReader reader = tensorInput ? SafetensorsReader.open(input) : null) {
            CliSupport.createParent(output);
            Autoencoder model = modelOption.loadForInference(compute, tile);
            encode(model, images, reader, out);
        }
        out.flush();
        return 0;
    }

    private int writeCache() {
        if (overwrite.allowed()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--overwrite does not apply to a latent cache folder: --resume continues the cache in " + output
                            + ", another folder starts a new one");
        }
        DistributedContext context = LatentCacheCommandOptions.context();
        LatentCacheCommandOptions.CacheInputs inputs = cache.inputs(input, output, context);
        PrintWriter out = spec.commandLine().getOut();
        Autoencoder model = modelOption.loadForInference(compute, tile);
        int exit = cache.run(
                model,
                modelOption.dir(),
                inputs,
                output,
                compute.batchSize(),
                context,
                out,
                spec.commandLine().getErr());
        out.flush();
        return exit;
    }

    private void encode(Autoencoder model, ImageInputs images, SafetensorsReader reader, PrintWriter out) {
        try (InferenceMode guard = new InferenceMode();
                TensorScope scope = new TensorScope()) {
            Generator generator = posterior.sample ? torch.createCPUGenerator(seed) : null;
            Encoder encoder = new Encoder(model, generator, raw);
            Map<String, String> metadata = new LinkedHashMap<>();
            Encoded result;
            if (reader != null) {
                result = encodeTensorFile(encoder, reader);
            } else {
                result = encodeImages(encoder, images);
                metadata.put(CliSupport.FILES_KEY, CliSupport.toJsonList(images.names()));
            }
            NonFiniteValues nonFinite = compute.nonFinite();
            nonFinite.check("encoded latents", result.latents);
            nonFinite.check("encoded logvar", result.logvar);
            metadata.put(CliSupport.LATENTS_KEY, raw ? "raw" : "normalized");
            metadata.put("posterior", posterior.sample ? "sample" : "mode");
            if (posterior.sample) {
                metadata.put("seed", Long.toString(seed));
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("latents", result.latents);
            tensors.put("mean", result.mean);
            tensors.put("logvar", result.logvar);
            SafetensorsWriter.write(output, tensors, metadata);
            LatentNormalizer normalizer = model.latentNormalizer();
            out.printf(
                    Locale.ROOT,
                    "encoded %d image(s) -> %s: latents %s (%s), mean, logvar%n",
                    result.latents.size(0),
                    output,
                    shape(result.latents),
                    raw ? "raw" : "normalized: (z - " + normalizer.shift() + ") * " + normalizer.scale());
        }
    }

    private Encoded encodeImages(Encoder encoder, ImageInputs images) {
        int channels = ImageInputs.channels(encoder.model);
        int factor = encoder.model.downsamplingFactor();
        images.requireDivisible(factor);
        ImageTensors.Size size = images.size(0);
        Encoded result = Encoded.allocate(images.count(), encoder.model, size.height(), size.width());
        List<List<Integer>> batches = images.batches(compute.batchSize());
        CliSupport.Progress progress = new CliSupport.Progress("encoded", images.count());
        for (List<Integer> batch : batches) {
            try (TensorScope scope = new TensorScope()) {
                Tensor pixels = ImageTensors.readBatch(images.files(batch), channels);
                encoder.encodeInto(pixels, result, batch.get(0));
            }
            progress.advance(batch.get(batch.size() - 1) + 1);
        }
        return result;
    }

    private Encoded encodeTensorFile(Encoder encoder, SafetensorsReader reader) {
        Autoencoder model = encoder.model;
        if (!reader.contains("images")) {
            throw new IllegalArgumentException(
                    input + " has no tensor 'images' (it has: " + String.join(", ", reader.names()) + ")");
        }
        SafetensorsEntry entry = reader.entry("images");
        long[] s = entry.shape();
        int factor = model.downsamplingFactor();
        if (s.length != 4
                || s[1] != model.imageChannels()
                || s[0] == 0
                || s[2] == 0
                || s[3] == 0
                || s[2] % factor != 0
                || s[3] % factor != 0) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "%s: tensor 'images' has shape %s;"
                            + " the model needs (N, %d, H, W) with N > 0 and H, W positive multiples of %d",
                    input,
                    Arrays.toString(s),
                    model.imageChannels(),
                    factor));
        }
        Tensor all = reader.load("images");
        if (!all.is_floating_point()) {
            throw new IllegalArgumentException(
                    input + ": tensor 'images' has dtype " + entry.dtype() + "; it must be floating point in [-1, 1]");
        }
        compute.nonFinite().check("tensor 'images' of " + input, all);
        long n = s[0];
        Encoded result = Encoded.allocate(n, model, s[2], s[3]);
        CliSupport.Progress progress = new CliSupport.Progress("encoded", n);
        for (long start = 0; start < n; start += compute.batchSize()) {
            long count = Math.min(compute.batchSize(), n - start);
            try (TensorScope scope = new TensorScope()) {
                encoder.encodeInto(all.narrow(0, start, count).to(torch.ScalarType.Float), result, start);
            }
            progress.advance(start + count);
        }
        return result;
    }

    /** Encodes batches into preallocated outputs. */
    private static final class Encoder {
        final Autoencoder model;
        final Generator generator;
        final boolean raw;
        final LatentNormalizer normalizer;

        Encoder(Autoencoder model, Generator generator, boolean raw) {
            this.model = model;
            this.generator = generator;
            this.raw = raw;
            this.normalizer = model.latentNormalizer();
        }

        /** Encodes {@code images} (B, C, H, W) into rows [start, start + B) of {@code into}. */
        void encodeInto(Tensor images, Encoded into, long start) {
            long b = images.size(0);
            LatentDistribution posterior = model.encode(images);
            Tensor z = generator == null ? posterior.mode() : posterior.sample(generator);
            Tensor latents = raw ? z : normalizer.normalize(z);
            into.latents.narrow(0, start, b).copy_(latents);
            into.mean.narrow(0, start, b).copy_(posterior.mean());
            into.logvar.narrow(0, start, b).copy_(posterior.logvar());
        }
    }

    /** The three float32 output tensors (N, L, H/f, W/f). */
    private record Encoded(Tensor latents, Tensor mean, Tensor logvar) {
        static Encoded allocate(long n, Autoencoder model, long height, long width) {
            int f = model.downsamplingFactor();
            long[] shape = {n, model.latentChannels(), height / f, width / f};
            return new Encoded(empty(shape), empty(shape), empty(shape));
        }

        private static Tensor empty(long[] shape) {
            return torch.empty(shape, new TensorOptions(torch.ScalarType.Float), new MemoryFormatOptional());
        }
    }
}
