package dev.vae4j.cli;

import static dev.vae4j.cli.CliTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.cache.LatentDataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae evaluate-latents} on a cache of 12 built-in synthetic images (tiny model, 16 px, 8x8x4 latents): the
 * cache's own posterior means score 0 (within 1e-4) and the same means shifted by 0.5 in channel 0 score {@code grid^2
 * * 0.5^2 = 1} (within 1e-4), the shift rule of {@link dev.vae4j.train.metrics.LatentFrechetDistance}; {@code --real}
 * limits the real latents read; a missing tensor, a wrong shape, a single latent and {@code --real 1} are refused in
 * one line.
 */
class EvaluateLatentsCommandTest {
    private static final double TOLERANCE = 1e-4;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path cache(Path dir) {
        Path model = CliTestSupport.saveTestModel(dir.resolve("model"));
        Path cache = dir.resolve("cache");
        run("encode", "-m", model.toString(), "-i", "synthetic:12", "-o", cache + "/", "--resolution", "16")
                .assertOk();
        return cache;
    }

    /** Writes the cache's posterior means, channel 0 shifted by {@code shift}, as tensor {@code name}. */
    private static Path meansFile(Path cache, Path file, String name, double shift) {
        try (LatentDataset real = LatentDataset.open(cache);
                TensorScope scope = new TensorScope()) {
            Tensor means = real.batch(IntStream.range(0, real.size()).toArray(), 0, 0, LatentDataset.Mode.MEAN)
                    .latents()
                    .clone();
            means.select(1, 0).add_(new Scalar(shift));
            SafetensorsWriter.write(file, Map.of(name, means), null);
        }
        return file;
    }

    private static JsonNode score(Path generated, Path cache, String... more) throws IOException {
        String[] base = {
            "evaluate-latents", "--generated", generated.toString(), "--latents", cache.toString(), "--json"
        };
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        CliTestSupport.Result result = run(all);
        result.assertOk();
        return JSON.readTree(result.out().strip());
    }

    @Test
    void scoresTheCachesOwnLatentsZeroAndAShiftByItsSquare(@TempDir Path dir) throws IOException {
        Path cache = cache(dir);
        JsonNode same = score(meansFile(cache, dir.resolve("same.safetensors"), "latents", 0), cache);
        assertEquals(0.0, same.get("latent_fd").asDouble(), TOLERANCE);
        assertEquals(12, same.get("generated").asInt());
        assertEquals(12, same.get("real").asInt());
        JsonNode shifted = score(meansFile(cache, dir.resolve("shifted.safetensors"), "latents", 0.5), cache);
        assertEquals(1.0, shifted.get("latent_fd").asDouble(), TOLERANCE);
        assertEquals(
                5,
                score(dir.resolve("same.safetensors"), cache, "--real", "5")
                        .get("real")
                        .asInt());
    }

    @Test
    void badInputIsOneLine(@TempDir Path dir) {
        Path cache = cache(dir);
        Path noise = meansFile(cache, dir.resolve("noise.safetensors"), "noise", 0);
        run("evaluate-latents", "--generated", noise.toString(), "--latents", cache.toString())
                .assertOneLineError("has no tensor 'latents'", "noise");
        Path wrong = dir.resolve("wrong.safetensors");
        Path single = dir.resolve("single.safetensors");
        try (TensorScope scope = new TensorScope()) {
            SafetensorsWriter.write(wrong, Map.of("latents", torch.zeros(3, 4, 5, 8)), null);
            SafetensorsWriter.write(single, Map.of("latents", torch.zeros(1, 4, 8, 8)), null);
        }
        run("evaluate-latents", "--generated", wrong.toString(), "--latents", cache.toString())
                .assertOneLineError("[3, 4, 5, 8]", "(N >= 2, 4, 8, 8)");
        run("evaluate-latents", "--generated", single.toString(), "--latents", cache.toString())
                .assertOneLineError("[1, 4, 8, 8]", "N >= 2");
        run("evaluate-latents", "--generated", noise.toString(), "--latents", cache.toString(), "--real", "1")
                .assertOneLineError("--real 1 is below 2");
    }
}
