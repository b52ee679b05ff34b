package dev.vae4j.core.io;

import dev.vae4j.core.Vae4jException;
import java.nio.file.Path;

/**
 * An image file could not be read: it is missing, is a folder, is in a format javax.imageio cannot decode, is corrupt
 * or truncated, or has a layout vae4j cannot turn into a tensor. The message names the file, as {@code "<file>:
 * <problem>"}, e.g. {@code "photos/a.png: cannot decode image (Error reading PNG metadata)"}.
 */
public final class ImageReadException extends Vae4jException {
    private static final long serialVersionUID = 1L;

    /** The file at fault. */
    private final transient Path file;

    /** A problem with {@code file}; the message becomes {@code "<file>: <problem>"}. */
    public ImageReadException(Path file, String problem) {
        this(file, problem, null);
    }

    /** A problem with {@code file} caused by {@code cause}; the message becomes {@code "<file>: <problem>"}. */
    public ImageReadException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file that could not be read. */
    public Path file() {
        return file;
    }
}
