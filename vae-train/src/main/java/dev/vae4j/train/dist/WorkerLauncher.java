package dev.vae4j.train.dist;

import dev.vae4j.core.FileAccessException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Starts the worker processes of one node the way torchrun does: process {@code l} of node {@code n} gets {@code RANK =
 * n * nprocPerNode + l}, {@code LOCAL_RANK = l}, {@code WORLD_SIZE = nnodes * nprocPerNode}, {@code LOCAL_WORLD_SIZE},
 * {@code GROUP_RANK}, {@code MASTER_ADDR}, {@code MASTER_PORT} (and {@code OMP_NUM_THREADS=1} unless set, as torchrun
 * does). Each worker's output lines (stdout and stderr) are passed to a line sink prefixed with {@code [rank r]}, one
 * line at a time. When a worker fails, the others are stopped, and {@link Workers#await()} returns the failing exit
 * code. A worker that exits with 143 or 130 (stopped by SIGTERM or SIGINT, see {@link Workers#stop()}) is not a
 * failure: the others are asked to stop too, and given all the time they need to save their work.
 *
 * @param nprocPerNode workers on this node
 * @param nnodes nodes in the job
 * @param nodeRank this node's index in [0, nnodes)
 * @param masterAddr host of rank 0
 * @param masterPort rendezvous port on that host
 */
public record WorkerLauncher(int nprocPerNode, int nnodes, int nodeRank, String masterAddr, int masterPort) {
    /** How long a stopped worker gets to exit before it is killed. */
    private static final long STOP_GRACE_SECONDS = 5;
    /** Exit codes of a process that stopped on SIGTERM (128 + 15) or SIGINT (128 + 2). */
    private static final List<Integer> STOP_EXIT_CODES = List.of(143, 130);

    /** Checks the counts. */
    public WorkerLauncher {
        if (nprocPerNode < 1 || nnodes < 1 || nodeRank < 0 || nodeRank >= nnodes) {
            throw new IllegalArgumentException("need nproc-per-node >= 1, nnodes >= 1 and node rank in [0, nnodes), "
                    + "got " + nprocPerNode + ", " + nnodes + ", " + nodeRank);
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new IllegalArgumentException("master port must be in [1, 65535], got " + masterPort);
        }
    }

    /**
     * The command line that runs {@code mainClass} in a new JVM like this one: this JVM's java binary, options (except
     * debugger and agent options, whose ports and files one worker per process cannot share) and classpath.
     */
    public static List<String> javaCommand(String mainClass, List<String> args) {
        List<String> java = new ArrayList<>();
        java.add(ProcessHandle.current().info().command().orElse("java"));
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!option.startsWith("-agentlib") && !option.startsWith("-javaagent")) {
                java.add(option);
            }
        }
        java.add("-cp");
        java.add(System.getProperty("java.class.path"));
        java.add(mainClass);
        java.addAll(args);
        return java;
    }

    /** The running workers of this node. */
    public final class Workers {
        private final List<Process> processes;
        private final List<Thread> pumps;
        private final Consumer<String> out;
        private volatile boolean stopSent;

        private Workers(List<Process> processes, List<Thread> pumps, Consumer<String> out) {
            this.processes = processes;
            this.pumps = pumps;
            this.out = out;
        }

        /** The worker processes, by local rank. */
        public List<Process> processes() {
            return processes;
        }

        /**
         * Sends SIGTERM to every worker still running (a {@code vae train} worker finishes its step, the ranks agree on
         * the last step, rank 0 writes the checkpoint, and each exits with 143). Their output keeps being copied until
         * they exit.
         */
        public void stop() {
            stopSent = true;
            for (Process p : processes) {
                // through the handle: Process.destroy() would also close the pipes that carry the output still to come
                p.toHandle().destroy();
            }
        }

        /**
         * Waits for the workers: 0 when all exit with 0; as soon as one fails, stops the others and returns the first
         * failure's exit code. A worker stopped by a signal (exit code 143 or 130) is not a failure: the others are
         * sent SIGTERM ({@link #stop()}) and awaited without a deadline, and that code is returned when none failed.
         */
        public int await() throws InterruptedException {
            int failure = 0;
            int stopped = 0;
            List<Process> running = new ArrayList<>(processes);
            while (!running.isEmpty() && failure == 0) {
                for (Process p : List.copyOf(running)) {
                    if (!p.isAlive()) {
                        running.remove(p);
                        int code = p.exitValue();
                        if (STOP_EXIT_CODES.contains(code)) {
                            if (stopped == 0) {
                                stopped = code;
                            }
                            if (!stopSent) {
                                report("[launch] worker with local rank " + processes.indexOf(p)
                                        + " stopped on a signal (exit code " + code
                                        + "); asking the others to stop and waiting for them");
                                stop();
                            }
                        } else if (code != 0) {
                            failure = code;
                            report("[launch] worker with local rank " + processes.indexOf(p) + " exited with code "
                                    + failure + "; stopping the others");
                            break;
                        }
                    }
                }
                if (failure == 0 && !running.isEmpty()) {
                    running.get(0).waitFor(200, TimeUnit.MILLISECONDS);
                }
            }
            for (Process p : running) {
                p.destroy();
            }
            for (Process p : running) {
                if (!p.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            }
            for (Thread pump : pumps) {
                pump.join(TimeUnit.SECONDS.toMillis(STOP_GRACE_SECONDS));
            }
            return failure != 0 ? failure : stopped;
        }

        private void report(String line) {
            synchronized (out) {
                out.accept(line);
            }
        }
    }

    /**
     * Starts one worker per local rank running {@code command}, passing their output lines to {@code out} (called from
     * one thread at a time).
     *
     * @param command the worker's command line (the same for every rank)
     * @param environment extra environment variables for every worker
     */
    public Workers start(List<String> command, Map<String, String> environment, Consumer<String> out) {
        List<Process> processes = new ArrayList<>();
        List<Thread> pumps = new ArrayList<>();
        try {
            for (int local = 0; local < nprocPerNode; local++) {
                int rank = nodeRank * nprocPerNode + local;
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
                Map<String, String> env = builder.environment();
                env.putAll(environment);
                env.put("RANK", Integer.toString(rank));
                env.put("LOCAL_RANK", Integer.toString(local));
                env.put("WORLD_SIZE", Integer.toString(nnodes * nprocPerNode));
                env.put("LOCAL_WORLD_SIZE", Integer.toString(nprocPerNode));
                env.put("GROUP_RANK", Integer.toString(nodeRank));
                env.put("MASTER_ADDR", masterAddr);
                env.put("MASTER_PORT", Integer.toString(masterPort));
                env.putIfAbsent("OMP_NUM_THREADS", "1");
                Process process = builder.start();
                processes.add(process);
                pumps.add(pump(process, "[rank " + rank + "] ", out));
            }
        } catch (IOException e) {
            processes.forEach(Process::destroyForcibly);
            throw new FileAccessException("cannot start worker " + command + ": " + e.getMessage(), e);
        }
        return new Workers(processes, pumps, out);
    }

    private static Thread pump(Process process, String prefix, Consumer<String> out) {
        Thread thread = new Thread(
                () -> {
                    try (BufferedReader reader = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                            synchronized (out) {
                                out.accept(prefix + line);
                            }
                        }
                    } catch (IOException e) {
                        // the worker's output closed early (it was killed): nothing more to copy
                    }
                },
                "vae4j-launch-" + prefix.trim());
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
