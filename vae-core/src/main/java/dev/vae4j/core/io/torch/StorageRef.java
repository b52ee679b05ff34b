package dev.vae4j.core.io.torch;

/**
 * A storage a checkpoint refers to: the record {@code key} holding its bytes, the element type this reference reads it
 * with, and its size. Several references may share one key (tensors that view one storage share memory once loaded).
 * Legacy-format storage views start {@code byteOffset} bytes into their root storage.
 *
 * @param key storage record key ({@code data/<key>} in a zip archive, the storage key in a legacy file)
 * @param dtype element type
 * @param numel number of elements of {@code dtype}
 * @param byteOffset offset of this storage in the record, in bytes (0 except for legacy views)
 * @param location device tag as saved ({@code cpu}, {@code cuda:0}); data are always loaded to the CPU
 */
record StorageRef(String key, TorchDtype dtype, long numel, long byteOffset, String location) {
    /** {@code numel * elementSize}. */
    public long nbytes() {
        return numel * dtype.elementSize();
    }
}
