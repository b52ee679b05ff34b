package dev.vae4j.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.tensor.CpuThreads;
import dev.vae4j.core.tensor.CudaMemory;
import dev.vae4j.core.tensor.CudnnBenchmark;
import dev.vae4j.core.tensor.TensorScope;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.global.torch;

/**
 * Times workloads: W warm-up runs, then N timed runs, each run in its own {@link TensorScope} (and
 * {@code InferenceMode} for inference workloads). {@link #runForked} runs each workload in a fresh child JVM
 * ({@link BenchChild}) so one workload's allocations cannot inflate another's peak RSS; {@link #runInProcess} runs it
 * here (its peak then also counts memory this JVM held before). libtorch gets {@code threads} intra-op threads and
 * OpenBLAS one (see {@link CpuThreads}).
 */
public final class BenchRunner {
    /** Prefix of the line a child prints its JSON result on. */
    static final String RESULT_PREFIX = "BENCH_RESULT ";

    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchRunner() {}

    /** Runs {@code workload} in this JVM with {@code settings}. */
    public static BenchResult runInProcess(Workload workload, BenchSettings settings) {
        CpuThreads.configure(settings.threads());
        if (settings.device().equals("cuda") && !torch.cuda_is_available()) {
            throw new IllegalArgumentException("--device cuda asked for, but CUDA is not available");
        }
        CudnnBenchmark.set(settings.device(), settings.cudnnBenchmark());
        int size = workload.resizable() && settings.size() != null ? settings.size() : workload.defaultSize();
        ProcStatus.resetPeak();
        CudaMemory.resetPeak(0);
        long baseline = ProcStatus.rssBytes();
        double[] millis = new double[settings.runs()];
        double[] cpuMillis = new double[settings.runs()];
        try (TensorScope scope = new TensorScope();
                PreparedWorkload prepared =
                        workload.prepare(size, new Device(settings.device()), settings.inference())) {
            for (int i = 0; i < settings.warmup(); i++) {
                timeOnce(prepared);
            }
            for (int i = 0; i < settings.runs(); i++) {
                long cpuStart = processCpuNanos();
                millis[i] = timeOnce(prepared);
                cpuMillis[i] = (processCpuNanos() - cpuStart) / 1e6;
            }
            long peak = ProcStatus.peakBytes();
            double peakMb = peak < 0 || baseline < 0 ? -1 : (peak - baseline) / (1024.0 * 1024.0);
            long cuda = CudaMemory.peakAllocatedBytes(0);
            return summarize(workload, prepared, millis, cpuMillis, peakMb, cuda < 0 ? -1 : cuda / (1024.0 * 1024.0));
        }
    }

    /**
     * Runs each workload in a fresh child JVM with this JVM's class path; child output other than the result goes to
     * {@code log}.
     */
    public static List<BenchResult> runForked(List<Workload> workloads, BenchSettings settings, Consumer<String> log) {
        List<BenchResult> results = new ArrayList<>();
        for (Workload workload : workloads) {
            results.add(fork(workload, settings, log));
        }
        return results;
    }

    private static BenchResult fork(Workload workload, BenchSettings settings, Consumer<String> log) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Djava.awt.headless=true",
                "-cp",
                System.getProperty("java.class.path"),
                BenchChild.class.getName(),
                workload.name(),
                Integer.toString(settings.threads()),
                Integer.toString(settings.runs()),
                Integer.toString(settings.warmup()),
                settings.device(),
                settings.size() == null ? "default" : settings.size().toString(),
                settings.inference().precision().label(),
                Boolean.toString(settings.inference().channelsLast()),
                Boolean.toString(settings.cudnnBenchmark())));
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            BenchResult result = null;
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith(RESULT_PREFIX)) {
                        result = JSON.readValue(line.substring(RESULT_PREFIX.length()), BenchResult.class);
                    } else {
                        log.accept("[" + workload.name() + "] " + line);
                    }
                }
            }
            int code = process.waitFor();
            if (code != 0 || result == null) {
                throw new IllegalStateException(
                        "benchmark child for " + workload.name() + " failed with exit code " + code);
            }
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + workload.name(), e);
        }
    }

    private static double timeOnce(PreparedWorkload prepared) {
        try (TensorScope step = new TensorScope();
                InferenceMode guard = prepared.inference() ? new InferenceMode() : null) {
            long start = System.nanoTime();
            prepared.run();
            return (System.nanoTime() - start) / 1e6;
        }
    }

    /** CPU time this process has used so far, all threads, nanoseconds. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static BenchResult summarize(
            Workload workload,
            PreparedWorkload prepared,
            double[] millis,
            double[] cpuMillis,
            double peakMb,
            double peakCudaMb) {
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        List<Double> times = Arrays.stream(millis).boxed().toList();
        return new BenchResult(
                workload.name(),
                workload.description(),
                prepared.inputShape(),
                prepared.imagesPerRun(),
                median,
                sorted[0],
                sorted[n - 1],
                prepared.imagesPerRun() * 1000.0 / median,
                peakMb,
                peakCudaMb,
                times,
                Arrays.stream(cpuMillis).boxed().toList());
    }
}
