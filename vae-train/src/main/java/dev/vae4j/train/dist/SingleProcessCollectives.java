package dev.vae4j.train.dist;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/** {@link Collectives} of a one-process job: reductions, broadcasts and gathers over one rank change nothing. */
final class SingleProcessCollectives implements Collectives {
    static final SingleProcessCollectives INSTANCE = new SingleProcessCollectives();

    private SingleProcessCollectives() {}

    @Override
    public DistributedContext context() {
        return DistributedContext.single();
    }

    @Override
    public void allReduceSum(List<Tensor> tensors) {}

    @Override
    public void broadcast(List<Tensor> tensors, int root) {}

    @Override
    public Tensor allGather(Tensor tensor) {
        return tensor;
    }

    @Override
    public void barrier() {}

    @Override
    public void close() {}
}
