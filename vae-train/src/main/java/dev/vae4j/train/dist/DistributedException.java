package dev.vae4j.train.dist;

import dev.vae4j.core.Vae4jException;

/** A collective or the rendezvous failed: a peer died, hung past the timeout, or could not be reached. */
public final class DistributedException extends Vae4jException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed, on which rank, and why */
    public DistributedException(String message, Throwable cause) {
        super(message, cause);
    }
}
