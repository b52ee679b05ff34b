package dev.vae4j.core.tensor;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * The scoping convention of vae4j: every native object (tensors included) created while a scope is open is
 * freed when it closes, so a training step or an inference call leaves no native memory behind. Results that
 * must outlive the scope are passed to {@link #keep(Pointer)}, which hands them to the enclosing scope (or,
 * at top level, to the garbage collector). Use with try-with-resources, one scope per step.
 */
public final class TensorScope implements AutoCloseable {
    private final PointerScope outer;
    private final PointerScope scope;

    /** Opens a scope nested in the current thread's innermost one. */
    public TensorScope() {
        outer = PointerScope.getInnerScope();
        scope = new PointerScope();
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
