package dev.vae4j.core.io.torch;

/**
 * A tensor of an unpickled checkpoint, not yet loaded: a strided view of {@code storage}. Every field was
 * bounds-checked when the pickle was read (sizes and strides non-negative, the largest index {@code offset +
 * sum((size[i]-1)*stride[i])} inside the storage).
 *
 * @param storage the storage it views
 * @param offset storage offset, in elements
 * @param size shape
 * @param stride strides, in elements
 * @param requiresGrad the saved {@code requires_grad} flag
 * @param parameter whether it was saved as an {@code nn.Parameter}
 */
record TensorRef(StorageRef storage, long offset, long[] size, long[] stride, boolean requiresGrad, boolean parameter) {
    /** The element type. */
    public TorchDtype dtype() {
        return storage.dtype();
    }

    /** Number of elements (product of {@link #size()}). */
    public long numel() {
        long n = 1;
        for (long s : size) {
            n *= s;
        }
        return n;
    }

    TensorRef asParameter(boolean grad) {
        return new TensorRef(storage, offset, size, stride, grad, true);
    }

    @Override
    public String toString() {
        return "tensor(" + dtype().dtypeName() + ", " + java.util.Arrays.toString(size) + ")";
    }
}
