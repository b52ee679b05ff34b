package dev.vae4j.core.tensor;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.cuda.CUDAAllocator;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch_cuda;

/**
 * Peak CUDA memory from the statistics of libtorch's caching allocator: the bytes held by live tensors at their highest
 * since the last {@link #resetPeak}, what PyTorch's {@code torch.cuda.max_memory_allocated} reports (not the
 * allocator's reserved cache). Without CUDA (a CPU build, or no visible GPU) nothing CUDA is loaded: the peak is -1 and
 * the reset does nothing.
 */
public final class CudaMemory {
    private CudaMemory() {}

    /** Peak bytes allocated on CUDA device {@code index} since the last reset; -1 without CUDA. */
    public static long peakAllocatedBytes(int index) {
        if (!torch.cuda_is_available()) {
            return -1;
        }
        return allocator().getDeviceStats((byte) index).allocated_bytes().peak();
    }

    /**
     * Peak bytes allocated on {@code device} ({@code cuda}, {@code cuda:N}) since the last reset; -1 for a CPU device
     * or without CUDA.
     */
    public static long peakAllocatedBytes(String device) {
        if (!device.startsWith("cuda")) {
            return -1;
        }
        byte index = new Device(device).index();
        return peakAllocatedBytes(Math.max(0, index));
    }

    /** Starts a new peak on CUDA device {@code index}; nothing without CUDA. */
    public static void resetPeak(int index) {
        if (torch.cuda_is_available()) {
            allocator().resetPeakStats((byte) index);
        }
    }

    private static CUDAAllocator allocator() {
        return torch_cuda.getAllocator();
    }
}
