package dev.vae4j.train.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vae4j.core.io.ImageReadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Jazzer fuzz targets for the parsers of untrusted input in {@code data}: a WebDataset tar shard's bytes
 * ({@link WebDatasetShards}) and a shard pattern's text ({@link ShardPattern}). Each target accepts the documented
 * failure (an {@link IllegalArgumentException} or {@link ImageReadException} whose message names the shard or the
 * pattern); anything else (another exception, an error, a hang, an allocation sized by a declared length, a crash) is a
 * finding.
 *
 * <p>Without {@code JAZZER_FUZZ} (the normal test run) each target replays its committed regression inputs from
 * {@code src/test/resources/dev/vae4j/train/data/DataFuzzTestInputs/<target>/} in seconds. A campaign on one target
 * (findings are added to that folder) is documented in the README ("Fuzzing").
 */
class DataFuzzTest {
    /**
     * A tar shard is indexed, then every sample's key, image dimensions (the header read of the image decoders, whose
     * full decoding {@code ParserFuzzTest#image} in vae-core fuzzes), caption and metadata are read.
     */
    @FuzzTest(maxDuration = "10m")
    void tarShard(byte[] data) throws IOException {
        Path file = Files.createTempFile("vae4j-fuzz-", ".tar");
        try {
            Files.write(file, data);
            WebDatasetShards shards = WebDatasetShards.open(List.of(file));
            for (int i = 0; i < shards.size(); i++) {
                shards.key(i);
                readEntries(shards, i, file);
            }
        } catch (IllegalArgumentException expected) {
            assertNames(expected, file.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void readEntries(WebDatasetShards shards, int index, Path file) {
        try {
            shards.dimensions(index);
        } catch (ImageReadException expected) {
            assertNames(expected, file.toString());
        }
        try {
            shards.caption(index);
            shards.json(index);
        } catch (ImageReadException expected) {
            assertNames(expected, file.toString());
        }
    }

    /** A pattern is expanded; a malformed or oversized one fails naming the pattern as typed. */
    @FuzzTest(maxDuration = "10m")
    void shardPattern(byte[] data) {
        String pattern = new String(data, StandardCharsets.UTF_8);
        try {
            ShardPattern.isShardPattern(pattern);
            ShardPattern.expand(pattern);
        } catch (IllegalArgumentException expected) {
            assertNames(expected, pattern);
        }
    }

    private static void assertNames(RuntimeException e, String value) {
        if (e.getMessage() == null || !e.getMessage().contains(value)) {
            throw new AssertionError("the message of " + e + " does not name " + value, e);
        }
    }
}
