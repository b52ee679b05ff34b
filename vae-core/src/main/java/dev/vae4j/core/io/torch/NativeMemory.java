package dev.vae4j.core.io.torch;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/** Native-memory helpers of the checkpoint reader (package-private). */
final class NativeMemory {
    /** Largest piece copied at once (1 GiB). */
    static final int CHUNK = 1 << 30;

    private NativeMemory() {
    }

    /** A non-owning pointer at an arbitrary native address. */
    private static final class AddressPointer extends BytePointer {
        AddressPointer(long address, long length) {
            super();
            this.address = address;
            this.position = 0;
            this.limit = length;
            this.capacity = length;
        }
    }

    /** A direct byte buffer over {@code length} bytes at {@code address} (no copy). */
    static ByteBuffer view(long address, int length) {
        if (address == 0 && length > 0) {
            throw new IllegalStateException("null data pointer for " + length + " bytes");
        }
        return new AddressPointer(address, length).asByteBuffer();
    }

    /** Moves {@code t} created in {@code inner} to {@code outer} (or to the caller / GC when there is none). */
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
