package dev.vae4j.cli;

import dev.vae4j.cli.bench.BenchReport;
import dev.vae4j.cli.bench.BenchResult;
import dev.vae4j.cli.bench.BenchRunner;
import dev.vae4j.cli.bench.BenchSettings;
import dev.vae4j.cli.bench.Workload;
import dev.vae4j.cli.bench.Workloads;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vae bench}: runs named workloads (see {@link Workloads}) and prints, per workload, the median, min and max
 * wall time in milliseconds over the timed runs after warm-up, throughput in images/s and peak resident memory in MiB;
 * {@code --json} prints the report as JSON (the schema of {@code tools/reference/bench.py}). {@code --precision} and
 * {@code --channels-last} ({@link FastPathOptions}) apply to every workload. Each workload runs in a fresh child JVM
 * unless {@code --in-process}.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmark named workloads (median/min/max ms, images/s, peak RSS).")
public final class BenchCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(
            names = "--workloads",
            split = ",",
            paramLabel = "NAME",
            completionCandidates = WorkloadNames.class,
            description = "Comma-separated workloads (default: all): ${COMPLETION-CANDIDATES}.")
    private List<String> workloads = new ArrayList<>();

    @Option(
            names = "--runs",
            paramLabel = "N",
            defaultValue = "10",
            description = "Timed runs per workload (default: ${DEFAULT-VALUE}).")
    private int runs;

    @Option(
            names = "--warmup",
            paramLabel = "W",
            defaultValue = "2",
            description = "Warm-up runs per workload (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(
            names = "--threads",
            paramLabel = "N",
            description = "libtorch CPU threads (default: the number of processors).")
    private Integer threads;

    @Option(
            names = "--device",
            paramLabel = "DEV",
            defaultValue = "cpu",
            description = "cpu or cuda (default: ${DEFAULT-VALUE}).")
    private String device;

    @Option(
            names = "--size",
            paramLabel = "PX",
            description = "Image side in pixels for every workload but sd-tiled-decode-1024 (default: 256,"
                    + " 64 for train-step-small, 1024 for sd-tiled-encode/sd-tiled-decode); the latent side for the"
                    + " DiT workloads (default: 32).")
    private Integer size;

    @Mixin
    private FastPathOptions fastPath = new FastPathOptions();

    @Option(
            names = "--cudnn-benchmark",
            description = "Let cuDNN time its convolution algorithms on the warm-up"
                    + " runs and keep the fastest (CUDA only).")
    private boolean cudnnBenchmark;

    @Option(names = "--json", description = "Print the report as JSON.")
    private boolean json;

    @Option(
            names = "--in-process",
            description = "Run the workloads in this JVM instead of one fresh JVM each"
                    + " (peak RSS then includes what earlier workloads left).")
    private boolean inProcess;

    /** Creates the command (picocli instantiates it). */
    public BenchCommand() {}

    /** Runs {@code bench} on its own (as {@code tools/bench/compare.sh} does); exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCommand()).execute(args));
    }

    @Override
    public Integer call() {
        BenchSettings settings;
        List<Workload> selected = new ArrayList<>();
        try {
            settings = new BenchSettings(
                    threads == null ? Runtime.getRuntime().availableProcessors() : threads,
                    runs,
                    warmup,
                    device,
                    size,
                    fastPath.options(),
                    cudnnBenchmark);
            for (String name : workloads.isEmpty() ? Workloads.names() : workloads) {
                selected.add(Workloads.get(name.strip()));
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<BenchResult> results = new ArrayList<>();
        if (inProcess) {
            for (Workload workload : selected) {
                results.add(BenchRunner.runInProcess(workload, settings));
            }
        } else {
            results.addAll(BenchRunner.runForked(selected, settings, line -> {
                err.println(line);
                err.flush();
            }));
        }
        BenchReport report = BenchReport.of(settings, results);
        out.print(json ? report.toJson() + System.lineSeparator() : report.toTable());
        out.flush();
        return 0;
    }

    /** The workload names, for the help text and shell completion. */
    static final class WorkloadNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Workloads.names().iterator();
        }
    }
}
