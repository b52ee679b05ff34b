package dev.vae4j.core.io;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/** Small native-memory helpers shared by the safetensors reader and writer (package-private). */
final class SafetensorsNative {
    private SafetensorsNative() {
    }

    /**
     * Largest number of bytes copied or mapped in one piece (1 GiB): tensors bigger than this (or than 2 GiB, the
     * limit of a Java buffer) are moved in chunks. Package-private and mutable only so tests can exercise chunking.
     */
    static volatile int chunkBytes = 1 << 30;

    /** A non-owning pointer at an arbitrary native address (no deallocator, never freed by us). */
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
    static ByteBuffer view(long address, int length) {
        if (address == 0 && length > 0) {
            throw new IllegalStateException("null data pointer for " + length + " bytes");
        }
        return new AddressPointer(address, length).asByteBuffer();
    }

    /**
     * Moves a tensor created inside {@code inner} out to the caller's scope {@code outer} (or, when the caller has
     * no scope, leaves it to the caller / the GC) so that {@code inner.close()} does not free it.
     */
    static Tensor escape(Tensor t, PointerScope inner, PointerScope outer) {
        if (outer != null) {
            outer.attach(t);
        } else {
            t.retainReference();
        }
        inner.detach(t);
        return t;
    }
}
