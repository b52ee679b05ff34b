package dev.vae4j.core.tensor;

import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * The scoping convention of vae4j: every native object (tensors included) created while a scope is open is freed when
 * it closes, so a training step or an inference call leaves no native memory behind. Results that must outlive the
 * scope are passed to {@link #keep(Pointer)}, which hands them to the enclosing scope (or, at top level, to the garbage
 * collector). Use with try-with-resources, one scope per step.
 */
public final class TensorScope implements AutoCloseable {
    private final PointerScope outer;
    private final PointerScope scope;

    /** Opens a scope nested in the current thread's innermost one. */
    public TensorScope() {
        outer = PointerScope.getInnerScope();
        scope = new PointerScope();
    }

    /**
     * Runs {@code computation} in a nested scope and keeps only its result: every other native object it creates (the
     * intermediate activations of a forward pass) is freed as soon as it returns, not when the caller's scope closes.
     * Autograd is unaffected: the graph holds its own references to what backward needs.
     */
    public static <P extends Pointer> P scoped(Supplier<P> computation) {
        try (TensorScope scope = new TensorScope()) {
            return scope.keep(computation.get());
        }
    }

    /** Moves {@code pointer} out of this scope into the enclosing one and returns it. */
    public <P extends Pointer> P keep(P pointer) {
        pointer.retainReference();
        scope.detach(pointer);
        if (outer != null) {
            outer.attach(pointer);
            pointer.releaseReference();
        }
        return pointer;
    }

    /** Frees every native object created in this scope and not kept. */
    @Override
    public void close() {
        scope.close();
    }
}
