package dev.vae4j.train.dist;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The collective operations the training loop needs, on the tensors' own devices. Every rank must call the same
 * operations in the same order with tensors of the same shapes; a peer that dies or hangs makes the call fail with a
 * {@link DistributedException} within the context's timeout.
 */
public interface Collectives extends AutoCloseable {
    /** This process's place in the job. */
    DistributedContext context();

    /** Sums each tensor over all ranks, in place; the reductions are issued together and overlap. */
    void allReduceSum(List<Tensor> tensors);

    /** Overwrites each tensor with its value on {@code root}, in place. */
    void broadcast(List<Tensor> tensors, int root);

    /**
     * Gathers a tensor of the same shape from every rank: returns (worldSize * N, ...) with rank r's rows at [r * N, (r
     * + 1) * N).
     */
    Tensor allGather(Tensor tensor);

    /** Waits until every rank has reached this call. */
    void barrier();

    /** Releases the process group and the store. */
    @Override
    void close();

    /** The collectives of a process running alone: every operation is the identity. */
    static Collectives single() {
        return SingleProcessCollectives.INSTANCE;
    }
}
