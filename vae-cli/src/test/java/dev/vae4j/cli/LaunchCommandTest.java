package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.eval.fid.FidInceptionV3;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vae launch -- train}: two Gloo workers train the micro recipe; resuming with another world size. */
class LaunchCommandTest {
    private static String freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return Integer.toString(socket.getLocalPort());
        }
    }

    private static JsonNode state(Path run, String step) throws IOException {
        return new ObjectMapper()
                .readTree(run.resolve("checkpoints")
                        .resolve(step)
                        .resolve("state.json")
                        .toFile());
    }

    /** More workers than the node has processors (each is a JVM driving its device from a core) is a usage error. */
    @Test
    void moreWorkersThanProcessorsAreRefusedBeforeAnyStarts() {
        int processors = Runtime.getRuntime().availableProcessors();
        CliTestSupport.run(
                        "launch",
                        "--nproc-per-node",
                        Integer.toString(processors + 1),
                        "--",
                        "inspect",
                        "--preset",
                        "sd")
                .assertUsageError("processor(s): give 1 to " + processors);
        CliTestSupport.run("launch", "--nproc-per-node", "0", "--", "inspect", "--preset", "sd")
                .assertUsageError("--nproc-per-node 0");
    }

    /** --force starts more workers than processors (here each only prints the version and exits). */
    @Test
    void forceStartsMoreWorkersThanProcessors() {
        int workers = Runtime.getRuntime().availableProcessors() + 1;
        CliTestSupport.run("launch", "--nproc-per-node", Integer.toString(workers), "--force", "--", "--version")
                .assertOk();
    }

    @Test
    void twoWorkersTrainAndASingleProcessResumes(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        CliTestSupport.Result launched = CliTestSupport.run(
                "launch",
                "--nproc-per-node",
                "2",
                "--master-port",
                freePort(),
                "--",
                "train",
                "--recipe",
                TrainCommandTest.microRecipe(),
                "--out",
                run.toString(),
                "--steps",
                "20",
                "--dist-timeout",
                "60");
        launched.assertOk();
        assertTrue(launched.out().contains("[rank 0] trained 20 steps"), launched.out());
        assertTrue(launched.out().contains("2 ranks (gloo), global batch 8"), launched.out());
        // batch 4 on each of 2 ranks for 20 steps
        assertEquals(160, state(run, "step-00000020").get("samples").asLong());
        assertTrue(Files.exists(run.resolve("model").resolve("config.json")));

        CliTestSupport.run("train", "--resume", run.toString(), "--steps", "30").assertOk();
        // then batch 4 on one process for 10 more steps
        assertEquals(200, state(run, "step-00000030").get("samples").asLong());
        List<String> steps = Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .filter(line -> line.contains("\"kind\":\"train\""))
                .toList();
        assertEquals(30, steps.size());
    }

    @Test
    void twoRanksShareAnEvaluationAndReportTheWholeSet(@TempDir Path dir) throws IOException {
        Path weights = dir.resolve("inception.safetensors");
        try (TensorScope scope = new TensorScope()) {
            StateDict.save(new FidInceptionV3(), weights);
        }
        Path model = CliTestSupport.saveTestModel(dir.resolve("model"));
        Path data = Files.createDirectories(dir.resolve("data"));
        for (int i = 0; i < 5; i++) {
            CliTestSupport.writeImage(data.resolve("img" + i + ".png"), 20 + 4 * i, 16, i);
        }
        String[] evaluate = {
            "evaluate",
            "--model",
            model.toString(),
            "--data",
            data.toString(),
            "--size",
            "16",
            "--batch-size",
            "2",
            "--threads",
            "1",
            "--inception",
            weights.toString(),
            "--output"
        };
        CliTestSupport.run(concat(evaluate, dir.resolve("single").toString())).assertOk();
        CliTestSupport.Result launched = CliTestSupport.run(concat(
                new String[] {"launch", "--nproc-per-node", "2", "--master-port", freePort(), "--"},
                concat(evaluate, dir.resolve("pair").toString())));
        launched.assertOk();
        JsonNode single = new ObjectMapper()
                .readTree(dir.resolve("single/eval.json").toFile())
                .get("metrics");
        JsonNode pair = new ObjectMapper()
                .readTree(dir.resolve("pair/eval.json").toFile())
                .get("metrics");
        for (String metric : List.of("psnr", "ssim")) {
            for (String stat : List.of("mean", "std", "min", "max")) {
                // the ranks' batches group the images differently: float differences only
                assertEquals(
                        single.get(metric).get(stat).asDouble(),
                        pair.get(metric).get(stat).asDouble(),
                        1e-6,
                        metric + " " + stat);
            }
        }
        double rfid = single.get("rfid").get("value").asDouble();
        assertEquals(rfid, pair.get("rfid").get("value").asDouble(), 1e-6 * rfid, "rfid");
        assertTrue(pair.get("rfid").get("definition").asText().contains("5 images"), pair.toString());
    }

    private static String[] concat(String[] first, String... rest) {
        String[] all = java.util.Arrays.copyOf(first, first.length + rest.length);
        System.arraycopy(rest, 0, all, first.length, rest.length);
        return all;
    }

    @Test
    void aFailingWorkerFailsTheLaunch(@TempDir Path dir) throws IOException {
        CliTestSupport.Result launched = CliTestSupport.run(
                "launch",
                "--nproc-per-node",
                "2",
                "--master-port",
                freePort(),
                "--",
                "train",
                "--recipe",
                dir.resolve("missing.yaml").toString());
        assertNotEquals(0, launched.exitCode(), launched.out());
        // Both workers fail; whichever fails first stops the other, so either rank may be the one that reports.
        assertTrue(launched.out().matches("(?s).*\\[rank [01]\\] vae: error:.*"), launched.out());
        assertTrue(launched.out().contains("[launch] worker with local rank"), launched.out());
    }
}
