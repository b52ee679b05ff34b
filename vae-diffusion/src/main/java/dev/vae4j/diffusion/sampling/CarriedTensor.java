package dev.vae4j.diffusion.sampling;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * A tensor carried from one sampling step to the next outside every {@code TensorScope} (the steps' scopes close
 * between them): a handle of its own, freed when replaced or released, so a long loop holds one at a time.
 */
final class CarriedTensor {
    private Tensor held;

    /** Holds {@code tensor} (shares its storage), releasing what was held before. */
    void set(Tensor tensor) {
        Tensor handle = new Tensor(tensor);
        handle.retainReference();
        if (handle.referenceCount() > 1) {
            PointerScope.getInnerScope().detach(handle);
        }
        release();
        held = handle;
    }

    /** The held tensor, or null. */
    Tensor get() {
        return held;
    }

    /** Frees the held handle (the storage lives on while other handles share it). */
    void release() {
        if (held != null) {
            held.releaseReference();
            held = null;
        }
    }
}
