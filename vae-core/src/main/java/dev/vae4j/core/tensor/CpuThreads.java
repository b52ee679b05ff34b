package dev.vae4j.core.tensor;

import org.bytedeco.openblas.global.openblas_full;
import org.bytedeco.pytorch.global.torch;

/**
 * CPU thread settings for libtorch. The Bytedeco build's BLAS is OpenBLAS, which keeps a thread pool of its own beside
 * libtorch's OpenMP intra-op threads; libtorch already parallelises around its BLAS calls, so the two pools compete for
 * the same cores (on 2 cores a small training step ran about 4x slower than PyTorch, whose MKL follows
 * {@code torch.set_num_threads}). {@link #configure(int)} gives libtorch the threads and pins OpenBLAS to one.
 */
public final class CpuThreads {
    private CpuThreads() {}

    /** Sets libtorch's intra-op thread count to {@code threads} (at least 1) and OpenBLAS's own pool to one thread. */
    public static void configure(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        }
        torch.set_num_threads(threads);
        openblas_full.openblas_set_num_threads(1);
    }
}
