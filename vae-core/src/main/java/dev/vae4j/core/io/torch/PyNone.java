package dev.vae4j.core.io.torch;

/** Python's {@code None} in an unpickled object tree (Java {@code null} is never used). */
enum PyNone {
    /** The single value. */
    NONE;

    @Override
    public String toString() {
        return "None";
    }
}
