package dev.vae4j.core;

/**
 * An output folder is claimed by another process or job (see {@code dev.vae4j.core.io.FolderLock}): the message names
 * the folder and the holder's pid, host, command and start time.
 */
public class FolderLockedException extends Vae4jException {
    private static final long serialVersionUID = 1L;

    /** @param message the folder and who holds it */
    public FolderLockedException(String message) {
        super(message);
    }
}
