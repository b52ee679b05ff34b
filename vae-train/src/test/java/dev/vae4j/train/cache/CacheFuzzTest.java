package dev.vae4j.train.cache;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vae4j.core.Vae4jException;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Jazzer fuzz target for the latent cache index: {@link LatentDataset#open} on a fuzzed {@code index.json} and a fuzzed
 * shard sample list, then one epoch of batches read as means and as posterior samples. An input is the index's bytes,
 * optionally followed by a NUL byte and the {@code samples} metadata of the shard {@code latents-000000.safetensors}
 * (without it, a valid list of its three samples). The shard holds positions 0 and 1 as (4, 2, 2) latents (crop 16x16)
 * and position 2 as (4, 2, 3) (crop 24x16), each with {@code mean}, {@code logvar} and their {@code _flip} versions.
 * The documented failures are a {@link Vae4jException} (a {@link LatentCacheFormatException} naming the file and field,
 * a missing or unreadable shard) or an {@link IllegalArgumentException} with a message; anything else (another
 * exception, a libtorch error, a hang, a crash) is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} the normal test run replays the regression inputs in
 * {@code src/test/resources/dev/vae4j/train/cache/CacheFuzzTestInputs/cacheIndex/}; a campaign is documented in the
 * README ("Fuzzing").
 */
class CacheFuzzTest {
    private static final String SAMPLES = "[{\"key\": \"a\", \"bucket\": [16, 16], \"caption\": \"first\"},"
            + " {\"key\": \"b\", \"bucket\": [16, 16]}, {\"key\": \"c\", \"bucket\": [24, 16]}]";
    private static final long[][] SHAPES = {{4, 2, 2}, {4, 2, 2}, {4, 2, 3}};

    @FuzzTest(maxDuration = "10m")
    void cacheIndex(byte[] data) throws IOException {
        int nul = indexOf(data, (byte) 0);
        byte[] index = nul < 0 ? data : Arrays.copyOf(data, nul);
        String samples =
                nul < 0 ? SAMPLES : new String(Arrays.copyOfRange(data, nul + 1, data.length), StandardCharsets.UTF_8);
        Path folder = Files.createTempDirectory("vae4j-fuzz-cache-");
        try (TensorScope scope = new TensorScope()) {
            Files.write(folder.resolve(LatentShards.INDEX), index);
            SafetensorsWriter.write(LatentShards.file(folder, 0), shardTensors(), Map.of("samples", samples));
            readEpoch(folder);
        } catch (Vae4jException | IllegalArgumentException expected) {
            if (expected.getMessage() == null) {
                throw new AssertionError("an exception without a message", expected);
            }
        } finally {
            try (Stream<Path> files = Files.walk(folder)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    private static void readEpoch(Path folder) {
        try (LatentDataset dataset = LatentDataset.open(folder)) {
            dataset.latentChannels();
            dataset.downsamplingFactor();
            dataset.normalizer();
            for (int[] batch : dataset.epoch(2, 1, 0, true)) {
                dataset.batch(batch, 1, 0, LatentDataset.Mode.MEAN);
                dataset.batch(batch, 1, 0, LatentDataset.Mode.SAMPLE);
            }
        }
    }

    private static Map<String, Tensor> shardTensors() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < SHAPES.length; i++) {
            for (String suffix : new String[] {"", "_flip"}) {
                tensors.put(i + ".mean" + suffix, torch.zeros(SHAPES[i]));
                tensors.put(i + ".logvar" + suffix, torch.zeros(SHAPES[i]));
            }
        }
        return tensors;
    }

    private static int indexOf(byte[] data, byte value) {
        for (int i = 0; i < data.length; i++) {
            if (data[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
