package dev.vae4j.core;

/**
 * The base type of every exception vae4j throws for a failure of its own (a file it cannot read or write, a malformed
 * file or config, weights that do not fit, a training run that diverged, a worker that failed): catch this to handle
 * them all. Its message names the file, key, shape or value at fault. Invalid arguments are reported as
 * {@link IllegalArgumentException}, calls that the object's state forbids as {@link IllegalStateException}; no other
 * exception leaves a library module's public API (each module's {@code *ExceptionsTest} checks it).
 */
public class Vae4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, naming the file, key, shape or value at fault */
    public Vae4jException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, naming the file, key, shape or value at fault
     * @param cause the underlying failure
     */
    public Vae4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
