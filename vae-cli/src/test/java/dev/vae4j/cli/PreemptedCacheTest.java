package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preemption of {@code vae encode} into a latent cache (48 images, shards of 2): a child JVM sent SIGINT after its
 * first shard drops the shard in progress and exits with 130, leaving only complete shards and no index;
 * {@code --resume} then completes a folder byte-identical to an uninterrupted run's (shards and index; tolerance 0, the
 * same CPU kernels in both JVMs).
 */
class PreemptedCacheTest {
    private static final int IMAGES = 48;
    private static final int SHARDS = IMAGES / 2;

    @Test
    void aSignalledCacheKeepsWholeShardsAndResumesToTheUninterruptedFolder(@TempDir Path dir) throws Exception {
        Path model = CliTestSupport.saveTestModel(dir.resolve("model"));
        Path data = Files.createDirectories(dir.resolve("data"));
        for (int i = 0; i < IMAGES; i++) {
            CliTestSupport.writeImage(data.resolve(String.format(Locale.ROOT, "img%02d.png", i)), 24, 20, i);
        }
        Path straight = dir.resolve("straight");
        CliTestSupport.run(encode(model, data, straight)).assertOk();

        Path cache = dir.resolve("cache");
        ChildVae child = ChildVae.start(dir.resolve("child.log"), Map.of(), encode(model, data, cache));
        child.awaitThat(() -> Files.exists(cache.resolve("latents-000000.safetensors")), "a first shard");
        child.sigint();
        assertEquals(130, child.exitCode(), child.output());
        System.out.printf(Locale.ROOT, "SIGINT -> exit in %.2f s after the signal%n", child.secondsToExit());
        String output = child.output();
        assertTrue(output.contains("SIGINT received: dropping the shard in progress and stopping"), output);
        assertTrue(output.contains("stopped by SIGINT after caching"), output);
        assertTrue(output.contains("the shard in progress was dropped: continue with --resume"), output);
        List<String> left = new java.util.ArrayList<>(files(cache));
        assertFalse(left.contains("index.json"), left.toString());
        // the folder's claim (emptied when released) and the fingerprint recorded before the first shard stay
        assertTrue(left.remove(".vae4j.lock"), left.toString());
        assertTrue(left.remove("fingerprint.json"), left.toString());
        assertTrue(left.size() < SHARDS, "stopped before the last shard: " + left);
        for (String name : left) {
            assertTrue(name.matches("latents-\\d{6}\\.safetensors"), "only complete shards: " + left);
            try (SafetensorsReader reader = SafetensorsReader.open(cache.resolve(name))) {
                assertTrue(reader.metadata().containsKey("samples"), name);
            }
        }

        CliTestSupport.Result resumed = CliTestSupport.run(encode(model, data, cache, "--resume"));
        resumed.assertOk();
        assertTrue(resumed.out().contains(left.size() + " finished shard(s) kept"), resumed.out());
        List<String> all = files(straight);
        assertEquals(SHARDS + 3, all.size(), all.toString()); // shards, index, fingerprint and the released claim
        assertEquals(all, files(cache));
        for (String name : all) {
            assertEquals(-1L, Files.mismatch(straight.resolve(name), cache.resolve(name)), name);
        }
    }

    private static String[] encode(Path model, Path data, Path output, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "encode",
                "--model",
                model.toString(),
                "--input",
                data.toString(),
                "--output",
                output + "/",
                "--resolution",
                "16",
                "--shard-size",
                "2",
                "--batch-size",
                "2",
                "--decode-workers",
                "1",
                "--threads",
                "1"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    private static List<String> files(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
