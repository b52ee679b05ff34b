package dev.vae4j.train.dist;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * The thin DDP helper the trainer uses: the {@link Collectives} of the job plus the two DDP choices. At start every
 * module's parameters and buffers are broadcast from rank 0; after backward the gradients are averaged in buckets
 * ({@link GradientBuckets}). Buffers (BatchNorm running statistics) otherwise stay per rank — each rank normalises with
 * its own batch statistics, as PyTorch's DDP does without SyncBatchNorm — unless {@code broadcastBuffers} is chosen,
 * which copies rank 0's buffers to all ranks before every step (DDP's {@code broadcast_buffers=True}), so every rank
 * evaluates and saves the same statistics.
 *
 * @param collectives the job's collectives ({@link Collectives#single()} for one process)
 * @param bucketBytes gradient bucket capacity in bytes
 * @param broadcastBuffers whether rank 0's buffers are copied to all ranks before every step
 */
public record DataParallel(Collectives collectives, long bucketBytes, boolean broadcastBuffers) {
    /** PyTorch DDP's default bucket capacity, 25 MiB. */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    /** Checks the bucket size. */
    public DataParallel {
        if (bucketBytes <= 0) {
            throw new IllegalArgumentException("gradient bucket size must be positive, got " + bucketBytes);
        }
    }

    /** One process, no communication. */
    public static DataParallel none() {
        return new DataParallel(Collectives.single(), DEFAULT_BUCKET_BYTES, false);
    }

    /** This process's place in the job. */
    public DistributedContext context() {
        return collectives.context();
    }

    /** Buckets averaging the gradients of {@code parameters}. */
    public GradientBuckets buckets(List<Tensor> parameters) {
        return new GradientBuckets(parameters, bucketBytes);
    }

    /** Copies rank 0's parameters and buffers of each module (and the extra tensors) to every rank. */
    public void broadcastFromRankZero(List<Module> modules, List<Tensor> extra) {
        if (context().worldSize() == 1) {
            return;
        }
        List<Tensor> tensors = new ArrayList<>(extra);
        for (Module module : modules) {
            tensors.addAll(StateDict.of(module).values());
        }
        broadcast(tensors);
    }

    /** Copies rank 0's buffers of each module to every rank when {@link #broadcastBuffers()} is set. */
    public void synchronizeBuffers(List<Module> modules) {
        if (!broadcastBuffers || context().worldSize() == 1) {
            return;
        }
        List<Tensor> buffers = new ArrayList<>();
        for (Module module : modules) {
            buffers.addAll(StateDict.buffers(module));
        }
        broadcast(buffers);
    }

    private void broadcast(List<Tensor> tensors) {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            collectives.broadcast(tensors, 0);
        }
    }
}
