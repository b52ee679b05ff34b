package dev.vae4j.train;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.randn;

import dev.vae4j.train.data.ShardedSampler;
import dev.vae4j.train.dist.DistributedContext;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** The posterior noise of a {@link Trainer} run, a function of (seed, a sample's global position) alone. */
final class PosteriorNoise {
    private final long seed;
    private final DistributedContext context;

    PosteriorNoise(long seed, DistributedContext context) {
        this.seed = seed;
        this.context = context;
    }

    /**
     * Standard normal noise of {@code mean}'s shape whose row j is drawn with a generator seeded by (seed, global
     * position of sample j), so a sample gets the same noise whichever rank and batch it falls in. Drawn on the host
     * (the generators are CPU ones) and, on CUDA, copied from pinned memory without waiting.
     */
    Tensor like(Tensor mean, long first) {
        long[] shape = mean.sizes().vec().get();
        shape[0] = 1;
        TensorVector rows = new TensorVector();
        TensorOptions options = new TensorOptions(ScalarType.Float);
        int rank = context.rank();
        int worldSize = context.worldSize();
        for (long j = 0; j < mean.size(0); j++) {
            long position = ShardedSampler.position(first, rank, worldSize, j);
            Generator generator = createCPUGenerator(seed * 1_000_003L + position);
            rows.push_back(randn(shape, new GeneratorOptional(generator), options));
        }
        Tensor host = cat(rows);
        if (!mean.device().is_cuda()) {
            return host.to(mean.device(), mean.scalar_type());
        }
        // pinned and non-blocking: a pageable copy would wait for the device's queue to drain
        return host.pin_memory().to(mean.device(), mean.scalar_type(), true, false, new MemoryFormatOptional());
    }
}
