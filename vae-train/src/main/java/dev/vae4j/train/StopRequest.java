package dev.vae4j.train;

import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.Reductions;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A request, made from any thread, that a long loop stop at its next safe point instead of being killed: the training
 * loop ({@link Trainer}) finishes the step in progress, writes a checkpoint of it and returns; the latent cache writer
 * drops the shard in progress and returns. The loop only polls the request between units of work, so whatever asks (a
 * signal handler, a scheduler's preemption notice, a test) never interrupts native code; the caller that made the
 * request decides what to do once the loop has returned (the {@code vae} command line exits with 143 after SIGTERM, 130
 * after SIGINT).
 *
 * <p>In a data-parallel job every rank may receive the request at a different step, or only some ranks may receive it
 * (one node's scheduler signals its own processes); {@link #agreed} turns the local requests into one decision that
 * every rank takes at the same step.
 */
public final class StopRequest {
    private final AtomicReference<String> reason = new AtomicReference<>();

    /** A request not made yet. */
    public StopRequest() {}

    /**
     * Asks the loop to stop; thread-safe. The first reason is kept.
     *
     * @param why what asked, for messages (e.g. {@code "SIGTERM"})
     * @return whether this call made the request (false when it had already been made)
     */
    public boolean request(String why) {
        if (why == null || why.isBlank()) {
            throw new IllegalArgumentException("a stop request needs a reason, got '" + why + "'");
        }
        return reason.compareAndSet(null, why);
    }

    /** Whether a stop was requested in this process. */
    public boolean requested() {
        return reason.get() != null;
    }

    /** The first reason given, or null when no stop was requested. */
    public String reason() {
        return reason.get();
    }

    /**
     * Whether any rank of the job has a stop request: one all-reduce of a flag (nothing when the job has one process).
     * Every rank must call it at the same point of its loop; all get the same answer, so all stop after the same step.
     */
    public boolean agreed(Collectives collectives) {
        return Reductions.any(collectives, requested());
    }
}
