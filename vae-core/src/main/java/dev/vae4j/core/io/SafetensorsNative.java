package dev.vae4j.core.io;

/** The chunk size shared by the safetensors reader and writer (package-private; see {@code NativeBytes}). */
final class SafetensorsNative {
    private SafetensorsNative() {}

    /**
     * Largest number of bytes copied or mapped in one piece (1 GiB): tensors bigger than this (or than 2 GiB, the limit
     * of a Java buffer) are moved in chunks. Package-private and mutable only so tests can exercise chunking.
     */
    static volatile int chunkBytes = dev.vae4j.core.tensor.NativeBytes.CHUNK;
}
