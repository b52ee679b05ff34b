package dev.vae4j.core.io.torch;

/** Where the raw bytes of a checkpoint's storages live (zip records or legacy file regions). Package-private. */
interface StorageData extends AutoCloseable {
    /** Bytes available for storage {@code key}. */
    long size(String key);

    /** Copies the first {@code nbytes} bytes of storage {@code key} to native memory at {@code address}. */
    void copy(String key, long address, long nbytes);

    @Override
    void close();
}
