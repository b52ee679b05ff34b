package dev.vae4j.cli;

import dev.vae4j.core.io.ExifOrientation;
import dev.vae4j.core.io.FolderLock;
import dev.vae4j.train.dist.WorkerLauncher;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vae launch}: starts {@code --nproc-per-node} JVMs running a {@code vae} command as ranks of one data-parallel
 * job (torchrun's environment variables), prefixes their output with {@code [rank r]}, and when one worker fails stops
 * the others and exits with its code. SIGTERM or SIGINT is passed on to the workers as SIGTERM: a {@code train} job
 * stops after one step that all ranks agree on, rank 0 saves a checkpoint, and the launcher exits with 143 (130 for
 * SIGINT) once every worker has; a second signal kills the workers at once. For several nodes, run it on each with the
 * same {@code --nnodes}, {@code --master-addr} and {@code --master-port} and that node's {@code --node-rank}.
 */
@Command(
        name = "launch",
        mixinStandardHelpOptions = true,
        description = {
            "Run a vae command (usually train) as N data-parallel worker processes per node.",
            "Example: vae launch --nproc-per-node 2 -- train --recipe kl-f4-small --out runs/small-ddp"
        })
public final class LaunchCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--nproc-per-node", paramLabel = "N", required = true, description = "Workers on this node.")
    private int nprocPerNode;

    @Option(names = "--nnodes", paramLabel = "M", defaultValue = "1", description = "Nodes (default: 1).")
    private int nnodes;

    @Option(
            names = "--node-rank",
            paramLabel = "R",
            defaultValue = "0",
            description = "This node's index (default: 0).")
    private int nodeRank;

    @Option(
            names = "--master-addr",
            paramLabel = "HOST",
            defaultValue = "127.0.0.1",
            description = "Host of rank 0 (default: ${DEFAULT-VALUE}).")
    private String masterAddr;

    @Option(
            names = "--master-port",
            paramLabel = "PORT",
            defaultValue = "29500",
            description = "Rendezvous port on that host (default: ${DEFAULT-VALUE}).")
    private int masterPort;

    @Option(
            names = "--force",
            description = "Start --nproc-per-node workers even when the node has fewer processors (or less memory,"
                    + " at least 256 MiB a worker) than that.")
    private boolean force;

    @Parameters(
            paramLabel = "COMMAND",
            arity = "1..*",
            description = "The vae command and its arguments, after '--' (e.g. -- train --recipe kl-f4-small).")
    private List<String> command;

    @Override
    public Integer call() throws InterruptedException {
        if (nprocPerNode < 1) {
            throw new ParameterException(
                    spec.commandLine(), "--nproc-per-node " + nprocPerNode + ": give at least 1 worker");
        }
        if (!force) {
            Optional<String> refusal = WorkerCapacity.ofThisNode().refusal(nprocPerNode);
            if (refusal.isPresent()) {
                throw new ParameterException(spec.commandLine(), refusal.get());
            }
        }
        WorkerLauncher launcher = new WorkerLauncher(nprocPerNode, nnodes, nodeRank, masterAddr, masterPort);
        PrintWriter out = spec.commandLine().getOut();
        Consumer<String> lines = line -> {
            out.println(line);
            out.flush();
        };
        // the workers share one claim on the output folder they write (FolderLock); the nodes of one job agree on it
        String jobId = nnodes == 1 ? UUID.randomUUID().toString() : "launch " + masterAddr + ":" + masterPort;
        Map<String, String> job = Map.of(FolderLock.JOB_ENV, System.getenv().getOrDefault(FolderLock.JOB_ENV, jobId));
        WorkerLauncher.Workers workers =
                launcher.start(WorkerLauncher.javaCommand(VaeCli.class.getName(), workerArguments()), job, lines);
        try (StopSignals signals = StopSignals.install(
                received -> {
                    synchronized (lines) {
                        lines.accept("[launch] " + received.name() + " received: asking the workers to stop after"
                                + " their current step (signal again to kill them at once)");
                    }
                    workers.stop();
                },
                received -> {
                    workers.processes().forEach(Process::destroyForcibly);
                    System.exit(received.exitCode());
                })) {
            int code = workers.await();
            boolean stoppedBySignal = code == StopSignals.SIGTERM_EXIT || code == StopSignals.SIGINT_EXIT;
            return signals.received()
                    .filter(received -> stoppedBySignal)
                    .map(StopSignals.Received::exitCode)
                    .orElse(code);
        }
    }

    /** The workers' {@code vae} arguments: the command, after the EXIF orientation mode this launcher was given. */
    private List<String> workerArguments() {
        List<String> args = new ArrayList<>();
        String exif = System.getProperty(ExifOrientation.PROPERTY);
        if (exif != null) {
            args.add("--exif-orientation");
            args.add(exif);
        }
        args.addAll(command);
        return args;
    }
}
