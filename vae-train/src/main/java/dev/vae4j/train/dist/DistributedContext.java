package dev.vae4j.train.dist;

import dev.vae4j.core.model.ConfigEnums;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Where this process stands in a multi-process job, read from the torchrun-style environment variables ({@code RANK},
 * {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code MASTER_ADDR}, {@code MASTER_PORT}) that our launcher, torchrun, Slurm
 * wrappers or any scheduler set. Without {@code WORLD_SIZE} the process runs alone.
 *
 * @param rank global rank in [0, worldSize)
 * @param worldSize number of processes
 * @param localRank rank on this node (selects the CUDA device)
 * @param masterAddr host of rank 0's rendezvous store
 * @param masterPort TCP port of the store
 * @param backend the collective backend
 * @param timeout how long a collective or the rendezvous waits for a peer before failing
 */
public record DistributedContext(
        int rank, int worldSize, int localRank, String masterAddr, int masterPort, Backend backend, Duration timeout) {
    /** The default collective timeout (PyTorch's Gloo default is 30 minutes; a dead peer should surface sooner). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    /** Validates ranks, port, backend and timeout. */
    public DistributedContext {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("RANK " + rank + " is outside [0, WORLD_SIZE=" + worldSize + ")");
        }
        if (localRank < 0) {
            throw new IllegalArgumentException("LOCAL_RANK must be >= 0, got " + localRank);
        }
        if (masterPort < 0 || masterPort > 65535) {
            throw new IllegalArgumentException("MASTER_PORT must be in [0, 65535], got " + masterPort);
        }
        if (backend == null) {
            throw new IllegalArgumentException("backend must be gloo or nccl, got null");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    /** A process running alone (rank 0 of 1). */
    public static DistributedContext single() {
        return new DistributedContext(0, 1, 0, "127.0.0.1", 0, Backend.GLOO, DEFAULT_TIMEOUT);
    }

    /**
     * Reads the context from {@code env}.
     *
     * @param env environment variables (usually {@code System.getenv()})
     * @param device {@code cpu} or {@code cuda}: picks the backend when {@code backend} is null
     * @param backend the backend to force, or null
     * @param timeout collective timeout
     * @throws IllegalArgumentException naming the variable when one is missing or malformed
     */
    public static DistributedContext fromEnvironment(
            Map<String, String> env, String device, Backend backend, Duration timeout) {
        boolean cuda = device.toLowerCase(Locale.ROOT).startsWith("cuda");
        Backend chosen = backend != null ? backend : cuda ? Backend.NCCL : Backend.GLOO;
        if (chosen == Backend.NCCL && !cuda) {
            throw new IllegalArgumentException("the nccl backend needs a cuda device, got device '" + device + "'");
        }
        if (!env.containsKey("WORLD_SIZE")) {
            return new DistributedContext(0, 1, 0, "127.0.0.1", 0, chosen, timeout);
        }
        int worldSize = integer(env, "WORLD_SIZE", null);
        int rank = integer(env, "RANK", null);
        int localRank = integer(env, "LOCAL_RANK", Integer.toString(rank));
        if (worldSize == 1) {
            return new DistributedContext(
                    rank, 1, localRank, env.getOrDefault("MASTER_ADDR", "127.0.0.1"), 0, chosen, timeout);
        }
        String addr = env.get("MASTER_ADDR");
        if (addr == null || addr.isBlank()) {
            throw new IllegalArgumentException("MASTER_ADDR is not set (WORLD_SIZE=" + worldSize + ")");
        }
        return new DistributedContext(
                rank, worldSize, localRank, addr, integer(env, "MASTER_PORT", null), chosen, timeout);
    }

    /** Whether more than one process takes part. */
    public boolean distributed() {
        return worldSize > 1;
    }

    /** Whether this process writes checkpoints, logs and images (rank 0). */
    public boolean writer() {
        return rank == 0;
    }

    /** The device of the tensors the backend exchanges: {@code cpu} for Gloo, this rank's CUDA device for NCCL. */
    public String collectiveDevice() {
        return backend == Backend.NCCL ? "cuda:" + localRank : "cpu";
    }

    /** "rank r/W" for messages. */
    public String describe() {
        return "rank " + rank + "/" + worldSize;
    }

    private static int integer(Map<String, String> env, String name, String fallback) {
        String value = env.getOrDefault(name, fallback);
        if (value == null) {
            throw new IllegalArgumentException(name + " is not set (WORLD_SIZE is)");
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + value + "'", e);
        }
    }

    /** The collective backend: recipe and command-line spelling {@code gloo} or {@code nccl}. */
    public enum Backend {
        /** Gloo: collectives on CPU tensors. */
        GLOO,
        /** NCCL: collectives on CUDA tensors. */
        NCCL;

        /** Parses {@code gloo} or {@code nccl} (case-insensitive). */
        public static Backend parse(String text) {
            return ConfigEnums.parse(Backend.class, text, "backend");
        }

        @Override
        public String toString() {
            return ConfigEnums.lowerCase(this);
        }
    }
}
