package dev.vae4j.cli;

import static org.bytedeco.pytorch.global.torch.cat;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.cache.LatentDataset;
import dev.vae4j.train.metrics.LatentFeatureMap;
import dev.vae4j.train.metrics.LatentFrechetDistance;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vae evaluate-latents}: the latent Frechet distance ({@link LatentFrechetDistance} with
 * {@link LatentFeatureMap#standard()}) between a file of generated latents and the real latents of a latent cache — the
 * score the online stage-2 evaluation logs as {@code latent_fd}, here for latents any tool generated (e.g. a PyTorch
 * loop's, next to {@code vae sample --output-latents}). The real latents are the posterior means of the cache's first
 * {@code --real} samples in cache order, as the online evaluation reads them.
 */
@Command(
        name = "evaluate-latents",
        mixinStandardHelpOptions = true,
        description = "Score generated latents (a .safetensors file with 'latents') against a latent cache by the"
                + " latent Frechet distance.")
public final class EvaluateLatentsCommand implements Callable<Integer> {
    private static final int READ_BATCH = 64;

    @Spec
    private CommandSpec spec;

    @Option(
            names = "--generated",
            required = true,
            paramLabel = "FILE",
            description = "A .safetensors file with a float tensor 'latents' (N, C, h, w), N >= 2, in the cache's"
                    + " normalised space (vae sample --output-latents writes one).")
    private Path generated;

    @Option(
            names = "--latents",
            required = true,
            paramLabel = "CACHE",
            description = "The latent cache (vae encode --output CACHE/) holding the real latents.")
    private Path cache;

    @Option(
            names = "--real",
            defaultValue = "1024",
            paramLabel = "N",
            description = "Most real latents read, the cache's first in cache order (default: ${DEFAULT-VALUE}).")
    private int realLimit;

    @Option(names = "--json", description = "Print one JSON line: latent_fd, generated, real.")
    private boolean json;

    /** Creates the command (picocli instantiates it). */
    public EvaluateLatentsCommand() {}

    @Override
    public Integer call() {
        if (realLimit < 2) {
            throw new IllegalArgumentException("--real " + realLimit + " is below 2 (the covariance needs 2 latents)");
        }
        double distance;
        long generatedCount;
        int realCount;
        try (LatentDataset real = LatentDataset.open(cache);
                TensorScope scope = new TensorScope()) {
            realCount = Math.min(realLimit, real.size());
            if (realCount < 2) {
                throw new IllegalArgumentException("the latent cache " + cache + " holds " + real.size()
                        + " latent(s); the latent Frechet distance needs at least 2");
            }
            Tensor realLatents = realLatents(real, realCount);
            Tensor generatedLatents = readGenerated(realLatents.sizes().vec().get());
            generatedCount = generatedLatents.size(0);
            distance = LatentFrechetDistance.of(generatedLatents, realLatents, LatentFeatureMap.standard());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.printf(
                    Locale.ROOT,
                    "{\"latent_fd\": %s, \"generated\": %d, \"real\": %d}%n",
                    distance,
                    generatedCount,
                    realCount);
        } else {
            out.printf(
                    Locale.ROOT,
                    "latent FD %.6f (%d generated, %d real latents of %s)%n",
                    distance,
                    generatedCount,
                    realCount,
                    cache);
        }
        out.flush();
        return 0;
    }

    /** The posterior means (count, C, h, w) float32 of the cache's first {@code count} samples. */
    private static Tensor realLatents(LatentDataset real, int count) {
        TensorVector batches = new TensorVector();
        for (int start = 0; start < count; start += READ_BATCH) {
            int[] indices =
                    IntStream.range(start, Math.min(count, start + READ_BATCH)).toArray();
            batches.push_back(
                    real.batch(indices, 0, 0, LatentDataset.Mode.MEAN).latents().to(ScalarType.Float));
        }
        return cat(batches, 0);
    }

    /**
     * The generated latents (N, C, h, w) float32.
     *
     * @param realShape the real latents' shape; the generated ones must match it but for N
     * @throws IllegalArgumentException in one line naming the file and the shape expected, when the tensor is missing,
     *     of another shape, fewer than 2 or not floating point
     */
    private Tensor readGenerated(long[] realShape) {
        String expected = String.format(
                Locale.ROOT,
                "a float tensor 'latents' of shape (N >= 2, %d, %d, %d) like the cache's latents",
                realShape[1],
                realShape[2],
                realShape[3]);
        try (SafetensorsReader reader = SafetensorsReader.open(generated)) {
            if (!reader.contains("latents")) {
                throw new IllegalArgumentException("--generated " + generated + " has no tensor 'latents' (it has: "
                        + String.join(", ", reader.names()) + "); expected " + expected);
            }
            long[] shape = reader.entry("latents").shape();
            if (shape.length != 4
                    || shape[0] < 2
                    || !Arrays.equals(Arrays.copyOfRange(shape, 1, 4), Arrays.copyOfRange(realShape, 1, 4))) {
                throw new IllegalArgumentException("--generated " + generated + ": tensor 'latents' has shape "
                        + Arrays.toString(shape) + "; expected " + expected);
            }
            Tensor latents = reader.load("latents");
            if (!latents.is_floating_point()) {
                throw new IllegalArgumentException("--generated " + generated + ": tensor 'latents' has dtype "
                        + reader.entry("latents").dtype() + "; expected " + expected);
            }
            return latents.to(ScalarType.Float);
        }
    }
}
