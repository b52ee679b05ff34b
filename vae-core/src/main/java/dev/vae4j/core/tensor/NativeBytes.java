package dev.vae4j.core.tensor;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Raw native memory for the weight readers and writers: a direct {@link ByteBuffer} over a tensor's bytes (so file
 * channels copy straight between files and tensor storage), and moving a tensor out of an inner pointer scope.
 */
public final class NativeBytes {
    /** Largest piece moved through one buffer (1 GiB; a Java buffer holds at most 2 GiB). */
    public static final int CHUNK = 1 << 30;

    private NativeBytes() {
    }

    /** A non-owning pointer at an arbitrary native address (no deallocator: never freed by us). */
    private static final class AddressPointer extends BytePointer {
        AddressPointer(long address, long length) {
            super();
            this.address = address;
            this.position = 0;
            this.limit = length;
            this.capacity = length;
        }
    }

    /** A direct byte buffer over {@code length} bytes of native memory at {@code address} (no copy). */
    public static ByteBuffer view(long address, int length) {
        if (address == 0 && length > 0) {
            throw new IllegalStateException("null data pointer for " + length + " bytes");
        }
        return new AddressPointer(address, length).asByteBuffer();
    }

    /**
     * Moves a tensor created inside {@code inner} out to the caller's scope {@code outer} (or, when the caller has
     * no scope, leaves it to the caller / the GC) so that {@code inner.close()} does not free it.
     */
    public static Tensor escape(Tensor t, PointerScope inner, PointerScope outer) {
        if (outer != null) {
            outer.attach(t);
        } else {
            t.retainReference();
        }
        inner.detach(t);
        return t;
    }
}
