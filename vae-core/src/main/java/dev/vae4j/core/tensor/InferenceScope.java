package dev.vae4j.core.tensor;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.InferenceMode;

/**
 * The guard of an inference block: libtorch's {@link InferenceMode} (no autograd graph, no version counters) and a
 * {@link TensorScope} opened together and closed together, so every tensor the block creates is freed when it ends.
 * Results that must outlive the block go through {@link #keep(Pointer)}; they are inference tensors and cannot take
 * part in autograd later. Use with try-with-resources on the thread that runs the block.
 */
public final class InferenceScope implements AutoCloseable {
    private final InferenceMode inferenceMode;
    private final TensorScope scope;

    /** Enters inference mode, then opens a tensor scope nested in the current thread's innermost one. */
    public InferenceScope() {
        inferenceMode = new InferenceMode();
        scope = new TensorScope();
    }

    /** Moves {@code pointer} out of this block's scope into the enclosing one and returns it. */
    public <P extends Pointer> P keep(P pointer) {
        return scope.keep(pointer);
    }

    /** Frees every native object the block created and did not keep, then leaves inference mode. */
    @Override
    public void close() {
        try {
            scope.close();
        } finally {
            inferenceMode.close();
        }
    }
}
