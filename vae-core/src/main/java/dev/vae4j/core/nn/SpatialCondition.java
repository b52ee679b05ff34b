package dev.vae4j.core.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * The quantized latent zq (N, D, h, w) that the {@link SpatialNorm}s of one decoder read during a forward pass: the
 * decoder binds it for the duration of its forward ({@link #bind}), per thread, so the blocks keep their one-tensor
 * forward.
 */
public final class SpatialCondition {
    private final ThreadLocal<Tensor> current = new ThreadLocal<>();

    /** The bound zq (N, D, h, w). */
    Tensor current() {
        Tensor zq = current.get();
        if (zq == null) {
            throw new IllegalStateException("SpatialNorm: no quantized latent bound; decode through the decoder");
        }
        return zq;
    }

    /** Binds {@code zq} (N, D, h, w) on this thread until the returned binding is closed. */
    public Binding bind(Tensor zq) {
        Tensor previous = current.get();
        current.set(zq);
        return () -> {
            if (previous == null) {
                current.remove();
            } else {
                current.set(previous);
            }
        };
    }

    /** An active binding; closing it restores the previous one. */
    public interface Binding extends AutoCloseable {
        @Override
        void close();
    }
}
