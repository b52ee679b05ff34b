package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.dist.WorkerLauncher;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae encode --output DIR/}: a latent cache of 24 images of mixed sizes (32-64 px) plus one unreadable file, in
 * aspect buckets with flips; two ranks under {@code vae launch} write the shards of one process (latents within 1e-5);
 * rank 0 of two killed after its first shard, then a two-rank {@code --resume}, give every image exactly once, equal to
 * the one-process cache, and only complete shards.
 */
class LatentCacheCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int IMAGES = 24;

    @TempDir
    static Path dir;

    private static Path model;
    private static Path data;
    private static Path single;
    private static CliTestSupport.Result singleRun;

    @BeforeAll
    static void inputs() throws IOException {
        model = CliTestSupport.saveTestModel(dir.resolve("model"));
        data = Files.createDirectories(dir.resolve("data"));
        for (int i = 0; i < IMAGES; i++) {
            CliTestSupport.writeImage(
                    data.resolve(String.format("img%02d.png", i)), 32 + (i * 7) % 33, 32 + (i * 13) % 33, i);
            if (i % 3 == 0) {
                Files.writeString(data.resolve(String.format("img%02d.txt", i)), "a caption " + i);
            }
        }
        Files.writeString(data.resolve("img05b.png"), "not a png");
        single = dir.resolve("single");
        singleRun = CliTestSupport.run(encode(single));
    }

    private static String[] encode(Path output, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "encode",
                "--model",
                model.toString(),
                "--input",
                data.toString(),
                "--output",
                output + "/",
                "--resolution",
                "32",
                "--buckets",
                "--bucket-step",
                "8",
                "--max-aspect",
                "2",
                "--shard-size",
                "5",
                "--flip",
                "--batch-size",
                "3",
                "--threads",
                "1"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    private static String freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return Integer.toString(socket.getLocalPort());
        }
    }

    /** Every sample of a cache folder: key -> its tensors' values (by tensor suffix) and metadata. */
    private static Map<String, Map<String, float[]>> read(Path cache) {
        Map<String, Map<String, float[]>> all = new HashMap<>();
        try (TensorScope scope = new TensorScope()) {
            for (int j = 0; j < 5; j++) {
                try (SafetensorsReader reader =
                        SafetensorsReader.open(cache.resolve(String.format("latents-%06d.safetensors", j)))) {
                    JsonNode samples = JSON.readTree(reader.metadata().get("samples"));
                    for (int i = 0; i < samples.size(); i++) {
                        Map<String, float[]> tensors = new HashMap<>();
                        for (String part : List.of("mean", "logvar", "mean_flip", "logvar_flip")) {
                            tensors.put(part, CliTestSupport.values(reader.load(i + "." + part)));
                        }
                        tensors.put("placement", toFloats(samples.get(i)));
                        String key = samples.get(i).get("key").asText();
                        assertTrue(all.put(key, tensors) == null, "key " + key + " cached twice");
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
        return all;
    }

    private static float[] toFloats(JsonNode sample) {
        float[] values = new float[8];
        for (int k = 0; k < 4; k++) {
            values[k] = sample.get("crop").get(k).floatValue();
        }
        values[4] = sample.get("source_size").get(0).floatValue();
        values[5] = sample.get("source_size").get(1).floatValue();
        values[6] = sample.get("bucket").get(0).floatValue();
        values[7] = sample.get("bucket").get(1).floatValue();
        return values;
    }

    private static void assertSameCache(
            Map<String, Map<String, float[]>> expected, Map<String, Map<String, float[]>> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String key : expected.keySet()) {
            for (String part : expected.get(key).keySet()) {
                float[] e = expected.get(key).get(part);
                float[] a = actual.get(key).get(part);
                assertEquals(e.length, a.length, key + " " + part);
                for (int i = 0; i < e.length; i++) {
                    assertEquals(e[i], a[i], 1e-5, key + " " + part + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void twoRanksWriteTheShardsOfOneProcessAndTheIndexCoversAll() throws IOException {
        singleRun.assertOk();
        assertTrue(singleRun.out().contains("cached 24 image(s) into 5 shard(s)"), singleRun.out());
        JsonNode index = JSON.readTree(single.resolve("index.json").toFile());
        assertEquals(24, index.get("count").asInt());
        assertEquals(25, index.get("inputs").asInt());
        assertEquals(5, index.get("shards").size());
        assertEquals(1, index.get("skipped").size());
        assertTrue(index.get("skipped").get(0).get("input").asText().contains("img05b.png"), index.toString());
        assertEquals(0.5, index.get("scaling").get("scaling_factor").asDouble());
        assertEquals(4, index.get("model").get("latent_channels").asInt());
        long perShape = 0;
        for (JsonNode shape : index.get("shapes")) {
            perShape += shape.get("count").asLong();
        }
        assertEquals(24, perShape);
        assertTrue(index.get("shapes").size() > 1, "mixed sizes use several buckets: " + index.get("shapes"));
        try (SafetensorsReader reader = SafetensorsReader.open(single.resolve("latents-000000.safetensors"))) {
            JsonNode first = JSON.readTree(reader.metadata().get("samples")).get(0);
            assertEquals("img00", first.get("key").asText());
            assertEquals("a caption 0", first.get("caption").asText());
            int w = first.get("bucket").get(0).asInt();
            int h = first.get("bucket").get(1).asInt();
            assertArrayEquals(
                    new long[] {4, h / 2, w / 2}, reader.entry("0.mean").shape());
        }

        Path pair = dir.resolve("pair");
        CliTestSupport.Result launched = CliTestSupport.run(concat(
                new String[] {"launch", "--nproc-per-node", "2", "--master-port", freePort(), "--"}, encode(pair)));
        launched.assertOk();
        assertTrue(launched.out().contains("[rank 1] cached"), launched.out());
        assertSameCache(read(single), read(pair));
        JsonNode pairIndex = JSON.readTree(pair.resolve("index.json").toFile());
        assertEquals(index.get("count"), pairIndex.get("count"));
        assertEquals(index.get("shapes"), pairIndex.get("shapes"));
        assertEquals(index.get("shards"), pairIndex.get("shards"));

        CliTestSupport.run(encode(single)).assertOneLineError("already holds a latent cache", "--resume");
    }

    @Test
    void aKilledRankAndAResumeCacheEveryImageExactlyOnce() throws Exception {
        singleRun.assertOk();
        Path killed = dir.resolve("killed");
        List<String> command =
                WorkerLauncher.javaCommand(VaeCli.class.getName(), List.of(encode(killed, "--decode-workers", "1")));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("killed.log").toFile());
        builder.environment()
                .putAll(Map.of(
                        "RANK",
                        "0",
                        "WORLD_SIZE",
                        "2",
                        "LOCAL_RANK",
                        "0",
                        "MASTER_ADDR",
                        "127.0.0.1",
                        "MASTER_PORT",
                        freePort()));
        Process process = builder.start();
        Path firstShard = killed.resolve("latents-000000.safetensors");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(firstShard) && process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        process.destroyForcibly().waitFor();
        assertFalse(
                Files.exists(killed.resolve("index.json")),
                "killed after the first shard, before the end: "
                        + Files.readString(dir.resolve("killed.log"), StandardCharsets.UTF_8));
        CliTestSupport.Result resumed = CliTestSupport.run(concat(
                new String[] {"launch", "--nproc-per-node", "2", "--master-port", freePort(), "--"},
                encode(killed, "--resume")));
        resumed.assertOk();
        assertTrue(
                java.util.regex.Pattern.compile("\\[rank 0] cached \\d+ image\\(s\\) into \\d shard\\(s\\) of \\S+"
                                + " \\([1-3] finished shard\\(s\\) kept")
                        .matcher(resumed.out())
                        .find(),
                resumed.out());
        assertSameCache(read(single), read(killed));
        try (var files = Files.list(killed)) {
            assertEquals(
                    List.of(
                            ".vae4j.lock",
                            "fingerprint.json",
                            "index.json",
                            "latents-000000.safetensors",
                            "latents-000001.safetensors",
                            "latents-000002.safetensors",
                            "latents-000003.safetensors",
                            "latents-000004.safetensors"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(
                24,
                JSON.readTree(killed.resolve("index.json").toFile())
                        .get("count")
                        .asInt());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
