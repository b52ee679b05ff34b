package dev.vae4j.cli;

import static dev.vae4j.cli.CliSupport.shape;

import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.io.SafetensorsEntry;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.quant.Quantizer;
import dev.vae4j.core.tensor.InferenceScope;
import dev.vae4j.core.tensor.NonFiniteValues;
import dev.vae4j.core.tensor.TensorScope;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vae decode}: latents -> images. Reads the tensor {@code latents} (N, L, h, w) of a {@code .safetensors} file
 * (as written by {@code vae encode}; for a VQ model, a file with only the code indices {@code indices} (N, h, w) will
 * do, their codes being raw latents), undoes the model's normalisation unless {@code --raw}, decodes, and writes either
 * a folder of 8-bit PNGs ({@code 000000.png, ...}, or the original names from the file's {@code files} metadata with a
 * {@code .png} extension) or, when the output ends in {@code .safetensors}, a file with the float32 tensor
 * {@code images} (N, C, h*f, w*f) in [-1, 1] (not clamped).
 */
@Command(
        name = "decode",
        mixinStandardHelpOptions = true,
        description = "Decode latents (a .safetensors file with 'latents', or a VQ model's 'indices') into PNG images"
                + " or a .safetensors file.")
public final class DecodeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(DecodeCommand.class);

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
            paramLabel = "IN.safetensors",
            description = "A .safetensors file with a tensor 'latents' (N, L, h, w).")
    private Path input;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "OUT",
            description = "A folder (created) for PNG files, or a .safetensors file for a tensor 'images'.")
    private Path output;

    @Option(names = "--raw", description = "The latents are raw z: do not undo the model's scaling/shift.")
    private boolean raw;

    @Mixin
    private OverwriteOption overwrite;

    /** Creates the command (picocli instantiates it). */
    public DecodeCommand() {}

    @Override
    public Integer call() {
        boolean toTensorFile = CliSupport.hasExtension(output, ".safetensors");
        if (CliSupport.sameFile(input, output)) {
            throw new IllegalArgumentException("--output " + output + " is the input file; refusing to overwrite it");
        }
        PrintWriter out = spec.commandLine().getOut();
        // The input and the output location are checked before the model is loaded, so mistakes fail fast.
        try (SafetensorsReader reader = SafetensorsReader.open(input)) {
            if (!reader.contains("latents") && !reader.contains("indices")) {
                throw new IllegalArgumentException(
                        input + " has no tensor 'latents' (or 'indices' of a VQ model; it has: "
                                + String.join(", ", reader.names()) + ")");
            }
            List<String> sources = sourceNames(reader);
            refuseToOverwrite(sources, latentCount(reader), toTensorFile);
            boolean created = !Files.exists(output);
            if (toTensorFile) {
                CliSupport.createParent(output);
            } else {
                CliSupport.createFolder(output);
            }
            try {
                Autoencoder model = modelOption.loadForInference(compute, tile);
                decode(model, reader, sources, toTensorFile, out);
            } catch (RuntimeException e) {
                if (created && !toTensorFile) {
                    CliSupport.deleteIfEmpty(output); // a failed decode leaves no empty output folder behind
                }
                throw e;
            }
        }
        out.flush();
        return 0;
    }

    /**
     * Fails before anything is written if an output file already exists and {@code --overwrite} was not given: the PNG
     * names come from the sources' names, so decoding into the folder that holds the sources would replace them.
     */
    private void refuseToOverwrite(List<String> sources, long n, boolean toTensorFile) {
        if (toTensorFile) {
            overwrite.refuseExisting(output);
        } else {
            overwrite.refuseExisting(output, outputNames(sources, n));
        }
    }

    /** The number of latents (0 for a tensor that is not latents at all, which decoding refuses later). */
    private static long latentCount(SafetensorsReader reader) {
        long[] shape =
                reader.entry(reader.contains("latents") ? "latents" : "indices").shape();
        return shape.length == 0 ? 0 : shape[0];
    }

    /** The source file names of the latents from the file's metadata, or null when absent or not one per latent. */
    private List<String> sourceNames(SafetensorsReader reader) {
        List<String> names = CliSupport.parseJsonList(reader.metadata().get(CliSupport.FILES_KEY));
        long n = latentCount(reader);
        if (names != null && names.size() != n) {
            LOG.warn(
                    "{}: metadata lists {} file names for {} latents; numbering the outputs instead",
                    input,
                    names.size(),
                    n);
            return null;
        }
        return names;
    }

    /** The PNG names: after the sources when known, else numbered. */
    private static List<String> outputNames(List<String> sources, long n) {
        return sources != null ? CliSupport.pngNames(sources) : CliSupport.numberedPngNames(n);
    }

    private void decode(
            Autoencoder model,
            SafetensorsReader reader,
            List<String> sourceNames,
            boolean toTensorFile,
            PrintWriter out) {
        NonFiniteValues nonFinite = compute.nonFinite();
        try (InferenceScope scope = new InferenceScope()) {
            boolean fromIndices = !reader.contains("latents");
            Tensor latents = fromIndices ? codes(reader, model) : loadLatents(reader, model);
            nonFinite.check("tensor 'latents' of " + input, latents);
            if (!fromIndices) {
                warnIfScalingDisagrees(reader.metadata());
            }
            long n = latents.size(0);
            int f = model.downsamplingFactor();
            int channels = model.outputChannels();
            List<String> names = null;
            Tensor images = null;
            if (toTensorFile) {
                images = torch.empty(
                        new long[] {n, channels, latents.size(2) * f, latents.size(3) * f},
                        new TensorOptions(torch.ScalarType.Float),
                        new MemoryFormatOptional());
            } else {
                if (channels != 1 && channels != 3) {
                    throw new IllegalArgumentException("the model decodes " + channels + "-channel images, which PNG"
                            + " cannot hold: give an --output ending in .safetensors");
                }
                names = outputNames(sourceNames, n);
            }
            LatentNormalizer normalizer = model.latentNormalizer();
            CliSupport.Progress progress = new CliSupport.Progress("decoded", n);
            for (long start = 0; start < n; start += compute.batchSize()) {
                long count = Math.min(compute.batchSize(), n - start);
                try (TensorScope batch = new TensorScope()) {
                    Tensor z = latents.narrow(0, start, count);
                    Tensor decoded = model.decode(raw || fromIndices ? z : normalizer.denormalize(z));
                    nonFinite.check(
                            String.format(Locale.ROOT, "decoded images %d..%d", start, start + count - 1), decoded);
                    if (images != null) {
                        images.narrow(0, start, count).copy_(decoded);
                    } else {
                        for (long i = 0; i < count; i++) {
                            ImageTensors.writePng(decoded.get(i), output.resolve(names.get((int) (start + i))));
                        }
                    }
                }
                progress.advance(start + count);
            }
            if (images != null) {
                Map<String, String> metadata = new LinkedHashMap<>();
                if (sourceNames != null) {
                    metadata.put(CliSupport.FILES_KEY, CliSupport.toJsonList(sourceNames));
                }
                SafetensorsWriter.write(output, Map.of("images", images), metadata);
                out.printf(Locale.ROOT, "decoded %d latent(s) -> %s: images %s%n", n, output, shape(images));
            } else {
                out.printf(Locale.ROOT, "decoded %d latent(s) -> %d PNG file(s) in %s%n", n, n, output);
            }
        }
    }

    /** The raw latents of a file holding only the code indices (N, h, w) of a VQ model. */
    private Tensor codes(SafetensorsReader reader, Autoencoder model) {
        Quantizer quantizer = model.quantizer()
                .orElseThrow(() -> new IllegalArgumentException(input + " holds code indices but no 'latents', and the"
                        + " model has no quantizer (it is not a VQ model)"));
        Tensor indices = reader.load("indices");
        if (indices.dim() != 3 || indices.is_floating_point() || indices.size(0) == 0) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "%s: tensor 'indices' has shape %s and dtype %s; the model needs integer (N, h, w) with N > 0",
                    input,
                    Arrays.toString(reader.entry("indices").shape()),
                    reader.entry("indices").dtype()));
        }
        return quantizer
                .codes(indices.to(compute.device(), torch.ScalarType.Long))
                .to(torch.ScalarType.Float)
                .cpu();
    }

    private Tensor loadLatents(SafetensorsReader reader, Autoencoder model) {
        SafetensorsEntry entry = reader.entry("latents");
        long[] s = entry.shape();
        if (s.length != 4 || s[1] != model.latentChannels() || s[0] == 0 || s[2] == 0 || s[3] == 0) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "%s: tensor 'latents' has shape %s; the" + " model needs (N, %d, h, w) with N, h, w > 0",
                    input,
                    Arrays.toString(s),
                    model.latentChannels()));
        }
        Tensor latents = reader.load("latents");
        if (!latents.is_floating_point()) {
            throw new IllegalArgumentException(
                    input + ": tensor 'latents' has dtype " + entry.dtype() + "; it must be floating point");
        }
        return latents.to(torch.ScalarType.Float);
    }

    private void warnIfScalingDisagrees(Map<String, String> metadata) {
        String stored = metadata.get(CliSupport.LATENTS_KEY);
        if ("raw".equals(stored) && !raw) {
            LOG.warn(
                    "{} holds raw latents (encoded with --raw) but --raw was not given: they will be"
                            + " denormalized again",
                    input);
        } else if ("normalized".equals(stored) && raw) {
            LOG.warn("{} holds normalized latents but --raw was given: they will not be denormalized", input);
        }
    }
}
