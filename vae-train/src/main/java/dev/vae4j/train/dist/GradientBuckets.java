package dev.vae4j.train.dist;

import static org.bytedeco.pytorch.global.torch.cat;

import dev.vae4j.core.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Averages the gradients of a parameter list over all ranks, as PyTorch's DDP reducer does: the gradients are packed
 * into flat buckets of at most {@code bucketBytes} (parameters of one dtype and device per bucket, a larger parameter
 * alone), every bucket is all-reduced (issued together, so the transfers overlap one another), divided by the world
 * size and unpacked into the {@code .grad} tensors. Parameters without a gradient (not used by this step's loss) are
 * left out; every rank must leave out the same ones, which {@link #average} checks.
 */
public final class GradientBuckets {
    private final List<Tensor> parameters;
    private final long bucketBytes;

    /**
     * @param parameters the parameters whose gradients are averaged (order fixed for the run)
     * @param bucketBytes bucket capacity in bytes (PyTorch's default is 25 MiB)
     */
    public GradientBuckets(List<Tensor> parameters, long bucketBytes) {
        if (bucketBytes <= 0) {
            throw new IllegalArgumentException("bucket size must be positive, got " + bucketBytes + " bytes");
        }
        this.parameters = List.copyOf(parameters);
        this.bucketBytes = bucketBytes;
    }

    /** Replaces each gradient by its mean over the ranks of {@code collectives}; returns the number of buckets. */
    public int average(Collectives collectives) {
        int worldSize = collectives.context().worldSize();
        if (worldSize == 1) {
            return 0;
        }
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            List<List<Tensor>> buckets = pack();
            checkSameLayout(collectives, buckets);
            List<Tensor> flat = new ArrayList<>(buckets.size());
            for (List<Tensor> bucket : buckets) {
                TensorVector pieces = new TensorVector();
                for (Tensor p : bucket) {
                    pieces.push_back(p.grad().reshape(-1));
                }
                flat.add(cat(pieces));
            }
            collectives.allReduceSum(flat);
            Scalar ranks = new Scalar((double) worldSize);
            for (int b = 0; b < buckets.size(); b++) {
                Tensor mean = flat.get(b).div_(ranks);
                long offset = 0;
                for (Tensor p : buckets.get(b)) {
                    long n = p.numel();
                    p.grad().copy_(mean.narrow(0, offset, n).view_as(p));
                    offset += n;
                }
            }
            return buckets.size();
        }
    }

    /** Parameters with a gradient, grouped into buckets in parameter order. */
    private List<List<Tensor>> pack() {
        List<List<Tensor>> buckets = new ArrayList<>();
        List<Tensor> current = new ArrayList<>();
        long bytes = 0;
        for (Tensor p : parameters) {
            Tensor grad = p.grad();
            if (!grad.defined()) {
                continue;
            }
            long size = grad.numel() * grad.element_size();
            boolean compatible = current.isEmpty()
                    || (current.get(0).grad().scalar_type().value == grad.scalar_type().value
                            && current.get(0)
                                    .grad()
                                    .device()
                                    .str()
                                    .getString()
                                    .equals(grad.device().str().getString()));
            if (!current.isEmpty() && (!compatible || bytes + size > bucketBytes)) {
                buckets.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(p);
            bytes += size;
        }
        if (!current.isEmpty()) {
            buckets.add(current);
        }
        return buckets;
    }

    /** Fails on every rank when the ranks would all-reduce different bucket layouts. */
    private static void checkSameLayout(Collectives collectives, List<List<Tensor>> buckets) {
        long elements = 0;
        for (List<Tensor> bucket : buckets) {
            for (Tensor p : bucket) {
                elements += p.numel();
            }
        }
        double[] local = {buckets.size(), elements};
        double[] total = Reductions.sum(collectives, local);
        int worldSize = collectives.context().worldSize();
        if (total[0] != local[0] * worldSize || total[1] != local[1] * worldSize) {
            throw new DistributedException(
                    collectives.context().describe() + ": ranks disagree on which parameters "
                            + "have gradients (" + buckets.size() + " buckets, " + elements
                            + " elements here; sums over "
                            + "ranks " + (long) total[0] + ", " + (long) total[1] + "): every rank must use the same "
                            + "parameters in its loss",
                    null);
        }
    }
}
