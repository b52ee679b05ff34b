package dev.vae4j.cli.bench;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.get_num_threads;
import static org.bytedeco.pytorch.global.torch.rand;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.model.Encoder;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.dwt.model.LiteVaeConfig;
import dev.vae4j.dwt.model.LiteVaeEncoder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;

/**
 * CPU benchmark of image encoders at 256x256, batch 1, float32, under {@code InferenceMode}: the SD-VAE encoder (the
 * baseline, {@code AutoencoderKLConfig.preset("sd")}, moments without quant_conv) against the LiteVAE-S and LiteVAE-B
 * encoders (open-LiteVAE presets; paper-flavor B as well). Randomly initialised weights: the timings do not depend on
 * the values.
 *
 * <p>Every encoder runs in its own fresh child JVM (so one model's allocations cannot inflate another's peak): W
 * warm-up calls, then N timed calls; it reports median/min/max latency, images/s, and the peak resident set size (Linux
 * {@code VmHWM}, reset through {@code /proc/self/clear_refs} before the model is built) above the RSS measured right
 * before construction, which therefore counts weights plus activations plus allocator caches.
 *
 * <p>Usage: {@code EncoderBenchmark [--runs N] [--warmup W] [--size S]} (defaults 10, 2, 256).
 */
public final class EncoderBenchmark {
    private static final List<String> ENCODERS = List.of("sd", "litevae-s", "litevae-b", "litevae-b-paper");
    private static final String RESULT = "RESULT";

    private EncoderBenchmark() {}

    /** Entry point; see the class comment. */
    public static void main(String[] args) throws Exception {
        int runs = intOption(args, "--runs", 10);
        int warmup = intOption(args, "--warmup", 2);
        int size = intOption(args, "--size", 256);
        String child = option(args, "--child");
        if (child != null) {
            runChild(child, runs, warmup, size);
            return;
        }
        System.out.printf(
                Locale.ROOT,
                "Encoder benchmark: %dx%d, batch 1, float32, CPU (%d cores), InferenceMode, "
                        + "%d warm-up + %d timed runs, one fresh JVM per encoder%n",
                size,
                size,
                Runtime.getRuntime().availableProcessors(),
                warmup,
                runs);
        List<double[]> rows = new ArrayList<>();
        for (String name : ENCODERS) {
            rows.add(spawn(name, runs, warmup, size));
        }
        double[] sd = rows.get(0);
        System.out.printf(
                Locale.ROOT,
                "%n%-16s %10s %10s %10s %10s %9s %12s %12s %14s%n",
                "encoder",
                "params",
                "median ms",
                "min ms",
                "max ms",
                "img/s",
                "peak RSS MB",
                "speed vs SD",
                "memory vs SD");
        for (int i = 0; i < ENCODERS.size(); i++) {
            double[] r = rows.get(i);
            System.out.printf(
                    Locale.ROOT,
                    "%-16s %10.2fM %10.1f %10.1f %10.1f %9.2f %12.1f %11.2fx %13.2fx%n",
                    ENCODERS.get(i),
                    r[0] / 1e6,
                    r[1],
                    r[2],
                    r[3],
                    1000.0 / r[1],
                    r[4] / 1e6,
                    sd[1] / r[1],
                    sd[4] / r[4]);
        }
        System.out.println("speed vs SD = SD median / median (higher is faster); memory vs SD = SD peak RSS delta /"
                + " peak RSS delta (higher is leaner). Baseline: SD-VAE encoder.");
    }

    private static double[] spawn(String name, int runs, int warmup, int size)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Xmx2g",
                "-cp",
                System.getProperty("java.class.path"),
                EncoderBenchmark.class.getName(),
                "--child",
                name,
                "--runs",
                Integer.toString(runs),
                "--warmup",
                Integer.toString(warmup),
                "--size",
                Integer.toString(size)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        double[] result = null;
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith(RESULT + " ")) {
                    String[] parts = line.split(" ");
                    result = Arrays.stream(parts, 2, parts.length)
                            .mapToDouble(Double::parseDouble)
                            .toArray();
                } else {
                    System.out.println("  [" + name + "] " + line);
                }
            }
        }
        int code = process.waitFor();
        if (code != 0 || result == null) {
            throw new IllegalStateException("benchmark child for " + name + " failed with exit code " + code);
        }
        return result;
    }

    private static void runChild(String name, int runs, int warmup, int size) throws IOException {
        Tensor image;
        try (TensorScope setup = new TensorScope()) {
            image = setup.keep(rand(
                            new long[] {1, 3, size, size},
                            new GeneratorOptional(createCPUGenerator(0)),
                            new TensorOptions())
                    .mul(new Scalar(2.0))
                    .sub(new Scalar(1.0)));
        }
        resetPeakRss();
        long baseline = statusBytes("VmRSS");
        Module model;
        UnaryOperator<Tensor> forward;
        switch (name) {
            case "sd" -> {
                Encoder encoder = new Encoder(AutoencoderKLConfig.preset("sd"));
                model = encoder;
                forward = encoder::forward;
            }
            case "litevae-s", "litevae-b", "litevae-b-paper" -> {
                String preset = switch (name) {
                    case "litevae-s" -> "open-s";
                    case "litevae-b" -> "open-b";
                    default -> "paper-b";
                };
                LiteVaeEncoder encoder = new LiteVaeEncoder(LiteVaeConfig.preset(preset));
                model = encoder;
                forward = encoder::forward;
            }
            default -> throw new IllegalArgumentException("unknown encoder " + name + "; known: " + ENCODERS);
        }
        model.eval();
        long params = StateDict.parameterCount(model);
        double[] millis = new double[runs];
        try (InferenceMode inference = new InferenceMode()) {
            for (int i = 0; i < warmup; i++) {
                try (TensorScope step = new TensorScope()) {
                    forward.apply(image).sum().item_double();
                }
            }
            for (int i = 0; i < runs; i++) {
                try (TensorScope step = new TensorScope()) {
                    long start = System.nanoTime();
                    forward.apply(image).sum().item_double(); // item() forces completion
                    millis[i] = (System.nanoTime() - start) / 1e6;
                }
            }
        }
        long peak = statusBytes("VmHWM");
        Arrays.sort(millis);
        double median = runs % 2 == 1 ? millis[runs / 2] : (millis[runs / 2 - 1] + millis[runs / 2]) / 2;
        System.out.printf(
                Locale.ROOT,
                "%s: %d threads, times (ms, sorted) %s%n",
                name,
                get_num_threads(),
                Arrays.toString(Arrays.stream(millis)
                        .map(m -> Math.round(m * 10) / 10.0)
                        .toArray()));
        System.out.printf(
                Locale.ROOT,
                "%s %s %d %.3f %.3f %.3f %d%n",
                RESULT,
                name,
                params,
                median,
                millis[0],
                millis[runs - 1],
                peak - baseline);
    }

    /** Resets the kernel's peak-RSS counter (VmHWM) to the current RSS (Linux 4.0+); no-op elsewhere. */
    private static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            System.out.println("note: cannot reset VmHWM (" + e.getMessage() + "); peak includes earlier peaks");
        }
    }

    /** A {@code /proc/self/status} field in bytes (Linux only). */
    private static long statusBytes(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no " + field + " in /proc/self/status (Linux only)");
    }

    private static String option(String[] args, String name) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return null;
    }

    private static int intOption(String[] args, String name, int fallback) {
        String value = option(args, name);
        if (value == null) {
            return fallback;
        }
        int parsed = Integer.parseInt(value);
        if (parsed < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + parsed);
        }
        return parsed;
    }
}
