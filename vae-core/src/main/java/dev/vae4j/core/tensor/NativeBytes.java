package dev.vae4j.core.tensor;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;

/**
 * Raw native memory for the weight readers and writers: a direct {@link ByteBuffer} over a tensor's bytes, so file
 * channels copy straight between files and tensor storage.
 */
public final class NativeBytes {
    /** Largest piece moved through one buffer (1 GiB; a Java buffer holds at most 2 GiB). */
    public static final int CHUNK = 1 << 30;

    private NativeBytes() {}

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
}
