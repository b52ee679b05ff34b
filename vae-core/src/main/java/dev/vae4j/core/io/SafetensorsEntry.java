package dev.vae4j.core.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's header entry in a safetensors file.
 *
 * @param name the tensor name (header key)
 * @param dtype the element type
 * @param shape the dimensions, row-major; {@code []} for a 0-rank scalar; a 0 anywhere means no elements (the accessor
 *     returns a copy)
 * @param begin start of the tensor's bytes, relative to the start of the data buffer (not the file), inclusive
 * @param end end of the tensor's bytes, relative to the start of the data buffer, exclusive; the tensor holds
 *     {@code end - begin} bytes
 */
public record SafetensorsEntry(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {

    /** Copies {@code shape}; requires non-null components and {@code 0 <= begin <= end}. */
    public SafetensorsEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = Objects.requireNonNull(shape, "shape").clone();
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(
                    "tensor '" + name + "': invalid data_offsets [" + begin + ", " + end + "]");
        }
    }

    /** The dimensions (a copy). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions (0 for a scalar). */
    public int rank() {
        return shape.length;
    }

    /** Number of elements: the product of {@link #shape()} (1 for a scalar). Throws ArithmeticException on overflow. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Size of the tensor's data in bytes: {@code end - begin}. */
    public long byteLength() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetensorsEntry e
                && name.equals(e.name)
                && dtype == e.dtype
                && Arrays.equals(shape, e.shape)
                && begin == e.begin
                && end == e.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + ": " + dtype + " " + Arrays.toString(shape) + " data_offsets [" + begin + ", " + end + "]";
    }
}
