package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.train.HostSyncs;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Runs one tiny workload through {@code vae bench} in-process and checks the JSON schema (no timings). */
class BenchCommandTest {
    @Test
    void tinyTrainStepReportsEveryJsonField() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(
                "--in-process",
                "--json",
                "--workloads",
                "train-step-small",
                "--size",
                "16",
                "--runs",
                "1",
                "--warmup",
                "0",
                "--threads",
                "1");
        assertEquals(0, code, "out=" + out + " err=" + err);
        JsonNode report = new ObjectMapper().readTree(out.toString());
        for (String field :
                new String[] {"implementation", "device", "threads", "dtype", "memory_format", "runs", "warmup"}) {
            assertTrue(report.has(field), field + " missing: " + report);
        }
        assertEquals("vae4j", report.get("implementation").asText());
        assertEquals(1, report.get("results").size());
        JsonNode result = report.get("results").get(0);
        for (String field : new String[] {
            "workload",
            "description",
            "input_shape",
            "images_per_run",
            "median_ms",
            "min_ms",
            "max_ms",
            "images_per_s",
            "peak_rss_mb",
            "peak_cuda_mb",
            "times_ms"
        }) {
            assertTrue(result.has(field), field + " missing: " + result);
        }
        assertEquals("train-step-small", result.get("workload").asText());
        assertEquals("[2,3,16,16]", result.get("input_shape").toString());
        assertEquals(1, result.get("times_ms").size());
        assertEquals("float32", report.get("dtype").asText());
        assertEquals("contiguous", report.get("memory_format").asText());
    }

    /** Stage-2 sampling with guidance and the SD-preset decode, at the smallest size: 8x8 latents (64 px images). */
    @Test
    void sampleDecodeGeneratesEightImages() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(
                "--in-process",
                "--json",
                "--workloads",
                "dit-s2-sample-decode",
                "--size",
                "8",
                "--runs",
                "1",
                "--warmup",
                "0",
                "--threads",
                "1");
        assertEquals(0, code, "out=" + out + " err=" + err);
        JsonNode result =
                new ObjectMapper().readTree(out.toString()).get("results").get(0);
        assertEquals("dit-s2-sample-decode", result.get("workload").asText());
        assertEquals("[8,4,8,8]", result.get("input_shape").toString());
        assertEquals(8, result.get("images_per_run").asInt());
    }

    /** The full ldm-kl-f8 step (the trainer with LPIPS and PatchGAN) at a size the CPU runs in seconds. */
    @Test
    void ldmTrainStepRunsTheRecipeTrainerAtBatchEight() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        long readsBefore = HostSyncs.count();
        int code = cli.execute(
                "--in-process",
                "--json",
                "--workloads",
                "ldm-kl-f8-train-step",
                "--size",
                "32",
                "--runs",
                "1",
                "--warmup",
                "0",
                "--threads",
                "1",
                "--cudnn-benchmark");
        assertEquals(0, code, "out=" + out + " err=" + err);
        // the step's non-finite check and the read of its loss terms: LDM's objective reads nothing itself
        assertEquals(2, HostSyncs.count() - readsBefore);
        JsonNode result =
                new ObjectMapper().readTree(out.toString()).get("results").get(0);
        assertEquals("ldm-kl-f8-train-step", result.get("workload").asText());
        assertEquals("[8,3,32,32]", result.get("input_shape").toString());
        assertTrue(result.get("median_ms").asDouble() > 0, result.toString());
        assertEquals(1, result.get("cpu_ms").size(), result.toString());
        assertTrue(result.get("cpu_ms").get(0).asDouble() > 0, result.toString());
    }

    @Test
    void precisionAndChannelsLastReachTheWorkloadAndTheReport() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(
                "--in-process",
                "--json",
                "--workloads",
                "train-step-small",
                "--size",
                "16",
                "--runs",
                "1",
                "--warmup",
                "0",
                "--threads",
                "1",
                "--precision",
                "bf16",
                "--channels-last");
        assertEquals(0, code, "out=" + out + " err=" + err);
        JsonNode report = new ObjectMapper().readTree(out.toString());
        assertEquals("bfloat16", report.get("dtype").asText());
        assertEquals("channels_last", report.get("memory_format").asText());
    }

    @Test
    void unknownPrecisionIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setErr(new PrintWriter(err, true));
        assertEquals(2, cli.execute("--precision", "fp8"));
        assertTrue(err.toString().contains("use fp32, bf16 or fp16"), err.toString());
    }

    @Test
    void unknownWorkloadIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setErr(new PrintWriter(err, true));
        assertEquals(2, cli.execute("--workloads", "nope"));
        assertTrue(err.toString().contains("unknown workload 'nope'"), err.toString());
    }
}
