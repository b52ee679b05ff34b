package dev.vae4j.train.metrics;

import static org.bytedeco.pytorch.global.torch.outer;
import static org.bytedeco.pytorch.global.torch.zeros;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.Reductions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Streaming Gaussian statistics of feature vectors as pytorch-fid computes them ({@code mu = mean(act, 0)},
 * {@code sigma = np.cov(act, rowvar=False)}, unbiased N-1): feature batches (N, D) are folded into float64 running sums
 * (D) and (D, D), so memory is O(D^2) whatever the number of images, and the sums of several workers add up (gather
 * them with an all-reduce before {@link #mean()}). Save/load as safetensors caches reference-set statistics.
 */
public final class FeatureStatistics implements AutoCloseable {
    /** Safetensors names of a statistics file. */
    public static final String MU = "mu";
    /** Safetensors name of the covariance (D, D). */
    public static final String SIGMA = "sigma";

    private final long dimension;
    private final Tensor sum;
    private final Tensor outerSum;
    private long count;

    /** Empty statistics of {@code dimension}-d features, on the CPU in float64. */
    public FeatureStatistics(long dimension) {
        if (dimension < 1) {
            throw new IllegalArgumentException("feature dimension must be at least 1, got " + dimension);
        }
        this.dimension = dimension;
        TensorOptions f64 = new TensorOptions(ScalarType.Double);
        this.sum = zeros(new long[] {dimension}, f64).retainReference();
        this.outerSum = zeros(new long[] {dimension, dimension}, f64).retainReference();
    }

    /** Adds a batch of features (N, D) (any float type or device; accumulated on the CPU in float64). */
    public void add(Tensor features) {
        if (features.dim() != 2 || features.size(1) != dimension) {
            throw new IllegalArgumentException(
                    "expected features (N, " + dimension + "), got " + Shapes.describe(features));
        }
        Tensor f = features.detach().cpu().to(ScalarType.Double);
        sum.add_(f.sum(new long[] {0}));
        outerSum.add_(f.t().matmul(f));
        count += features.size(0);
    }

    /** Feature vectors added. */
    public long count() {
        return count;
    }

    /** Feature dimension D. */
    public long dimension() {
        return dimension;
    }

    /**
     * Sums these statistics over all ranks in place: afterwards every rank holds the statistics of all ranks' features
     * (each rank having added its own share).
     */
    public void allReduce(Collectives collectives) {
        if (collectives.context().worldSize() == 1) {
            return;
        }
        try (TensorScope scope = new TensorScope()) {
            Device device = new Device(collectives.context().collectiveDevice());
            Tensor s = sum.to(device, ScalarType.Double);
            Tensor o = outerSum.to(device, ScalarType.Double);
            collectives.allReduceSum(List.of(s, o));
            sum.copy_(s);
            outerSum.copy_(o);
        }
        count = Math.round(Reductions.sum(collectives, new double[] {count})[0]);
    }

    /** Mean (D), float64. */
    public Tensor mean() {
        requireCount(1);
        return sum.div(new Scalar((double) count));
    }

    /** Unbiased covariance (D, D), float64: (sum x x^T - N mu mu^T) / (N - 1). */
    public Tensor covariance() {
        requireCount(2);
        Tensor mu = mean();
        return outerSum.sub(outer(mu, mu).mul(new Scalar((double) count))).div(new Scalar((double) (count - 1)));
    }

    /** Writes {@code mu} (D) and {@code sigma} (D, D) in float64 (pytorch-fid's .npz keys, as safetensors). */
    public void save(Path file) {
        save(file, Map.of());
    }

    /**
     * Writes {@code mu} and {@code sigma} with string metadata describing what they summarise (data folder, image size,
     * ...), plus {@code count}.
     */
    public void save(Path file, Map<String, String> metadata) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(MU, mean());
        tensors.put(SIGMA, covariance());
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("count", Long.toString(count));
        SafetensorsWriter.write(file, tensors, meta);
    }

    /** The string metadata of a statistics file written by {@link #save(Path, Map)}. */
    public static Map<String, String> metadata(Path file) {
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            return Map.copyOf(reader.metadata());
        }
    }

    /**
     * Reads {@code mu} and {@code sigma} written by {@link #save}: {mu (D), sigma (D, D)} as float64.
     *
     * @throws IllegalArgumentException if the file lacks them or their shapes disagree
     */
    public static Tensor[] load(Path file) {
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            if (!reader.contains(MU) || !reader.contains(SIGMA)) {
                throw new IllegalArgumentException("feature statistics file " + file + " needs tensors '" + MU
                        + "' and '" + SIGMA + "', has " + reader.names());
            }
            Tensor mu = reader.load(MU).to(ScalarType.Double);
            Tensor sigma = reader.load(SIGMA).to(ScalarType.Double);
            long d = mu.size(0);
            if (mu.dim() != 1 || sigma.dim() != 2 || sigma.size(0) != d || sigma.size(1) != d) {
                throw new IllegalArgumentException("feature statistics file " + file + ": mu " + Shapes.describe(mu)
                        + " and sigma " + Shapes.describe(sigma) + " do not fit (D) and (D, D)");
            }
            return new Tensor[] {mu, sigma};
        }
    }

    private void requireCount(long needed) {
        if (count < needed) {
            throw new IllegalStateException(
                    "feature statistics need at least " + needed + " feature vectors, got " + count);
        }
    }

    /** Releases the running sums. */
    @Override
    public void close() {
        sum.releaseReference();
        outerSum.releaseReference();
    }
}
