package dev.vae4j.train.cache;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LatentDataset#open} on an edited or incomplete cache names the file and the field, never a
 * NullPointerException.
 */
class LatentDatasetFormatTest {
    private static final String HEADER =
            "\"latent_channels\": 4, \"downsampling_factor\": 8, \"scaling\": {\"scaling_factor\": 1, \"shift_factor\": 0}";

    @TempDir
    Path dir;

    private String openFails(String index) throws IOException {
        Files.writeString(dir.resolve("index.json"), index);
        return assertThrows(LatentCacheFormatException.class, () -> LatentDataset.open(dir))
                .getMessage();
    }

    @Test
    void aMissingIndexFieldIsNamed() throws IOException {
        assertTrue(openFails("{\"shards\": []}").contains("'latent_channels'"));
        assertTrue(openFails("{" + HEADER + "}").contains("no 'shards' list"));
        assertTrue(openFails("{" + HEADER + ", \"shards\": [{}]}").contains("shard 0 has no 'file'"));
        assertTrue(openFails("{\"shards\": ").contains("not valid JSON"));
        assertTrue(openFails("[1]").contains("not a JSON object"));
    }

    /** An edited index cannot make the dataset read a file outside the cache folder. */
    @Test
    void aShardNameOutsideTheFolderIsRefused() throws IOException {
        for (String name : new String[] {"../x.safetensors", "/etc/passwd", "a/b.safetensors", "..", ""}) {
            String message = openFails("{" + HEADER + ", \"shards\": [{\"file\": \"" + name + "\"}]}");
            assertTrue(message.contains("is not a file name inside the cache folder"), message);
        }
    }

    @Test
    void aShardWithoutItsSampleListIsNamed() throws IOException {
        try (TensorScope scope = new TensorScope()) {
            SafetensorsWriter.write(
                    dir.resolve("shard-00000.safetensors"), Map.of("0.mean", torch.zeros(4, 2, 2)), Map.of());
        }
        String message = openFails("{" + HEADER + ", \"shards\": [{\"file\": \"shard-00000.safetensors\"}]}");
        assertTrue(message.contains("shard-00000.safetensors") && message.contains("'samples'"), message);
    }

    @Test
    void latentsOfDifferentShapesListedAsOneCropFailNamingTheSamples() throws IOException {
        // the fuzz target's finding: torch.stack failed with "stack expects each tensor to be equal size"
        Path shard = dir.resolve("latents-000000.safetensors");
        try (TensorScope scope = new TensorScope()) {
            SafetensorsWriter.write(
                    shard,
                    Map.of(
                            "0.mean", torch.zeros(4, 2, 2),
                            "0.logvar", torch.zeros(4, 2, 3),
                            "1.mean", torch.zeros(4, 2, 3),
                            "1.logvar", torch.zeros(4, 2, 3)),
                    Map.of(
                            "samples",
                            "[{\"key\": \"a\", \"bucket\": [16, 16]}, {\"key\": \"b\", \"bucket\": [16, 16]}]"));
            Files.writeString(
                    dir.resolve("index.json"),
                    "{" + HEADER + ", \"shards\": [{\"file\": \"latents-000000.safetensors\"}]}");
            try (LatentDataset dataset = LatentDataset.open(dir)) {
                String shapes = assertThrows(
                                LatentCacheFormatException.class,
                                () -> dataset.batch(new int[] {0, 1}, 0, 0, LatentDataset.Mode.MEAN))
                        .getMessage();
                assertTrue(
                        shapes.startsWith(shard + ": sample b is a [4, 2, 3] latent but sample a of the same crop"
                                + " 16x16 is [4, 2, 2]"),
                        shapes);
                String logvar = assertThrows(
                                LatentCacheFormatException.class,
                                () -> dataset.batch(new int[] {0}, 0, 0, LatentDataset.Mode.SAMPLE))
                        .getMessage();
                assertTrue(
                        logvar.contains("sample a has a log-variance of another shape than its [4, 2, 2] mean"),
                        logvar);
            }
        }
    }
}
