package dev.vae4j.cli;

import static dev.vae4j.cli.CliTestSupport.run;
import static dev.vae4j.cli.CliTestSupport.writeImage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae encode --output cache/ --resume} as users type it: with other weights of the same config, another input
 * folder of the same size, or another {@code --resolution} after a shard went missing, it exits 1 naming the difference
 * and leaves the cache as it was (before, the first two exited 0 and mixed latents, and the third re-encoded the
 * missing shard at the new size before refusing, after which the correct command was refused too); the correct command
 * then completes the cache.
 */
class CacheResumeSafetyTest {
    private static String[] encode(Path model, Path images, Path cache, String resolution, String... more) {
        String[] base = {
            "encode",
            "-m",
            model.toString(),
            "-i",
            images.toString(),
            "-o",
            cache + "/",
            "--resolution",
            resolution,
            "--shard-size",
            "1"
        };
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    private static Map<String, Long> shards(Path cache) throws IOException {
        Map<String, Long> sizes = new TreeMap<>();
        try (Stream<Path> files = Files.list(cache)) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith("latents-"))
                    .toList()) {
                sizes.put(p.getFileName().toString(), Files.size(p));
            }
        }
        return sizes;
    }

    @Test
    void aResumeWithOtherWeightsInputsOrResolutionIsRefusedAndChangesNothing(@TempDir Path dir) throws IOException {
        Path model = CliTestSupport.saveTestModel(dir.resolve("model"));
        Path otherModel = CliTestSupport.saveTestModel(dir.resolve("other-model"));
        Path images = Files.createDirectories(dir.resolve("images"));
        Path otherImages = Files.createDirectories(dir.resolve("other-images"));
        for (int i = 0; i < 3; i++) {
            writeImage(images.resolve("img" + i + ".png"), 20, 16, i);
            writeImage(otherImages.resolve("pic" + i + ".png"), 20, 16, i);
        }
        Path cache = dir.resolve("cache");
        run(encode(model, images, cache, "16")).assertOk();
        Files.delete(cache.resolve("latents-000001.safetensors"));
        Map<String, Long> before = shards(cache);

        run(encode(otherModel, images, cache, "16", "--resume"))
                .assertOneLineError("holds a latent cache made differently: model weights differ (sha256 ");
        run(encode(model, otherImages, cache, "16", "--resume"))
                .assertOneLineError("input list differs: 3 files recorded, 3 now, first difference at #0: img0.png");
        run(encode(model, images, cache, "32", "--resume"))
                .assertOneLineError("resolution differs (16 recorded, 32 now)");
        assertEquals(before, shards(cache), "no shard written by a refused resume");
        assertFalse(Files.exists(cache.resolve("latents-000001.safetensors")));

        run(encode(model, images, cache, "16", "--resume")).assertOk();
        assertEquals(3, shards(cache).size());
    }
}
