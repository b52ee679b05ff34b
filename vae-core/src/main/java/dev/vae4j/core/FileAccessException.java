package dev.vae4j.core;

import java.io.IOException;

/**
 * A file or folder could not be read, written, created or listed (missing, unreadable, a full disk, a folder where a
 * file was expected): the message names the path and what was being done, {@link #getCause()} is the
 * {@link IOException} the JDK reported. vae4j's library modules report every I/O failure this way, never as a bare
 * {@code IOException} or {@code UncheckedIOException}.
 */
public class FileAccessException extends Vae4jException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what could not be done, naming the path
     * @param cause the I/O failure
     */
    public FileAccessException(String message, IOException cause) {
        super(message, cause);
    }

    /** The I/O failure. */
    @Override
    public synchronized IOException getCause() {
        return (IOException) super.getCause();
    }
}
