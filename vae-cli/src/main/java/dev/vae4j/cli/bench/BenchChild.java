package dev.vae4j.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.model.InferenceOptions;
import dev.vae4j.core.tensor.Precision;

/**
 * Child-JVM entry point of {@link BenchRunner#runForked}: runs one workload in-process and prints its
 * {@link BenchResult} as one JSON line after {@code BENCH_RESULT }. Arguments: {@code NAME THREADS RUNS WARMUP DEVICE
 * SIZE|default PRECISION CHANNELS_LAST CUDNN_BENCHMARK}.
 */
public final class BenchChild {
    private BenchChild() {}

    /** Entry point; see the class comment. */
    public static void main(String[] args) throws Exception {
        if (args.length != 9) {
            throw new IllegalArgumentException("usage: BenchChild NAME THREADS RUNS WARMUP DEVICE SIZE|default"
                    + " PRECISION CHANNELS_LAST CUDNN_BENCHMARK");
        }
        BenchSettings settings = new BenchSettings(
                Integer.parseInt(args[1]),
                Integer.parseInt(args[2]),
                Integer.parseInt(args[3]),
                args[4],
                args[5].equals("default") ? null : Integer.valueOf(args[5]),
                new InferenceOptions(Precision.parse(args[6]), Boolean.parseBoolean(args[7])),
                Boolean.parseBoolean(args[8]));
        BenchResult result = BenchRunner.runInProcess(Workloads.get(args[0]), settings);
        System.out.println(BenchRunner.RESULT_PREFIX + new ObjectMapper().writeValueAsString(result));
        System.out.flush();
    }
}
