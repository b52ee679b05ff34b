package dev.vae4j.cli;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Optional;

/**
 * How many {@code vae launch} workers one node can run: each worker is a JVM that drives its device from at least one
 * core and holds at least {@link #WORKER_FLOOR_BYTES} resident (the JVM with libtorch loaded and a tiny model: 263 MiB
 * measured), so a node of P processors and M bytes of memory takes at most min(P, M / floor) workers. Both bounds are
 * lower bounds of what a real training worker needs; {@code --force} overrides them (e.g. for GPU workers that each
 * need less than a core).
 */
record WorkerCapacity(int processors, long physicalBytes) {
    /** Resident memory of the lightest worker, in bytes. */
    static final long WORKER_FLOOR_BYTES = 256L << 20;

    /** This node's processors and physical memory. */
    static WorkerCapacity ofThisNode() {
        long physical = Long.MAX_VALUE;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            physical = os.getTotalMemorySize();
        }
        return new WorkerCapacity(Runtime.getRuntime().availableProcessors(), physical);
    }

    /** The most workers this node can hold. */
    int maxWorkers() {
        return (int) Math.max(1, Math.min(processors, physicalBytes / WORKER_FLOOR_BYTES));
    }

    /** Why {@code workers} is too many for this node, or empty when it fits. */
    Optional<String> refusal(int workers) {
        if (workers <= maxWorkers()) {
            return Optional.empty();
        }
        boolean cores = workers > processors;
        String limit = cores
                ? processors + " processor(s)"
                : String.format(
                        Locale.ROOT,
                        "%.1f GiB of memory (at least %d MiB per worker)",
                        physicalBytes / (double) (1L << 30),
                        WORKER_FLOOR_BYTES >> 20);
        return Optional.of("--nproc-per-node " + workers + " workers on a node with " + limit + ": give 1 to "
                + maxWorkers() + " (one worker per GPU, or per core on the CPU), or --force");
    }
}
