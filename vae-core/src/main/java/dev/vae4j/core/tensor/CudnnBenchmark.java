package dev.vae4j.core.tensor;

import org.bytedeco.pytorch.global.torch;

/**
 * cuDNN's benchmark mode ({@code torch.backends.cudnn.benchmark}): when on, the first convolution of each new input
 * shape times cuDNN's algorithms and keeps the fastest, which speeds up training and inference at a fixed image size
 * and makes results not bit-reproducible between runs. A process-wide libtorch setting; only CUDA devices use it.
 */
public final class CudnnBenchmark {
    private CudnnBenchmark() {}

    /**
     * Sets the mode for work on {@code device} ({@code cpu}, {@code cuda}, {@code cuda:N}); nothing to do for other
     * devices.
     *
     * @return whether the setting was applied (a CUDA device)
     */
    public static boolean set(String device, boolean on) {
        if (!device.startsWith("cuda")) {
            return false;
        }
        torch.globalContext().setBenchmarkCuDNN(on);
        return true;
    }

    /** The current process-wide setting. */
    public static boolean enabled() {
        return torch.globalContext().benchmarkCuDNN();
    }
}
