package dev.vae4j.train.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.FolderLockedException;
import dev.vae4j.core.io.FolderLock;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.TestModels;
import dev.vae4j.train.data.ImageFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bytedeco.pytorch.InferenceMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache folder holds one cache: resuming it with other weights, other inputs or another resolution (after a shard
 * went missing) is refused before anything is written, naming the differing item, and a second writer is refused while
 * the first holds the folder. Each case failed before the fingerprint and the lock (it exited normally and mixed
 * latents, or re-encoded a shard at the new size before refusing).
 */
class CacheFingerprintTest {
    @TempDir
    static Path dir;

    private static Path modelA;
    private static Path modelB;
    private static Path images;
    private static Path otherImages;

    @BeforeAll
    static void inputs() throws IOException {
        modelA = TestModels.saveAutoencoderKL(dir.resolve("model-a"));
        modelB = TestModels.saveAutoencoderKL(dir.resolve("model-b"));
        images = Files.createDirectories(dir.resolve("images"));
        otherImages = Files.createDirectories(dir.resolve("other-images"));
        for (int i = 0; i < 6; i++) {
            TestModels.writeImage(images.resolve("img" + i + ".png"), 20, 16, i);
            TestModels.writeImage(otherImages.resolve((i == 4 ? "new" : "img") + i + ".png"), 20, 16, i);
        }
        FileTime time = FileTime.fromMillis(1_700_000_000_000L); // same sizes and times: only the names differ
        for (Path folder : List.of(images, otherImages)) {
            try (Stream<Path> files = Files.list(folder)) {
                for (Path file : files.toList()) {
                    Files.setLastModifiedTime(file, time);
                }
            }
        }
    }

    private static LatentCacheWriter.Report write(Path model, Path inputs, Path out, int resolution, boolean resume) {
        try (InferenceMode noGrad = new InferenceMode();
                TensorScope scope = new TensorScope()) {
            TrainableAutoencoder autoencoder = Autoencoders.load(model);
            autoencoder.module().eval();
            LatentCacheOptions options = new LatentCacheOptions(resolution, null, 2, false, 2, 1);
            ModelConfig config = ModelConfig.read(model.resolve("config.json"));
            return new LatentCacheWriter(
                            autoencoder, new ImageFiles(inputs), out, options, config, ModelWeightsDigest.of(model))
                    .write(0, 1, resume, (done, total) -> {});
        }
    }

    /** Name -> size and modification time of every file in the folder but the lock. */
    private static Map<String, String> snapshot(Path folder) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(folder)) {
            for (Path p : list.filter(p -> !p.endsWith(FolderLock.FILE_NAME)).toList()) {
                files.put(p.getFileName().toString(), Files.size(p) + "@" + Files.getLastModifiedTime(p));
            }
        }
        return files;
    }

    /** A complete cache with its second shard deleted (as a crash or a user would leave it). */
    private static Path cacheMissingAShard(String name) throws IOException {
        Path out = dir.resolve(name);
        assertTrue(write(modelA, images, out, 16, false).indexWritten());
        Files.delete(out.resolve("latents-000001.safetensors"));
        return out;
    }

    @Test
    void otherWeightsOfTheSameConfigAreRefusedBeforeAnyWrite() throws IOException {
        assertNotEquals(ModelWeightsDigest.of(modelA), ModelWeightsDigest.of(modelB));
        Path out = cacheMissingAShard("weights");
        Map<String, String> before = snapshot(out);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> write(modelB, images, out, 16, true));
        assertTrue(e.getMessage().contains("model weights differ (sha256 "), e.getMessage());
        assertEquals(before, snapshot(out), "nothing written");
        assertEquals(1, write(modelA, images, out, 16, true).shardsWritten(), "the right model completes it");
    }

    @Test
    void anotherInputFolderOfTheSameSizeIsRefusedNamingTheFirstDifference() throws IOException {
        Path out = cacheMissingAShard("inputs");
        Map<String, String> before = snapshot(out);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> write(modelA, otherImages, out, 16, true));
        assertTrue(
                e.getMessage()
                        .contains("input list differs: 6 files recorded, 6 now, first difference at #4: img4.png"),
                e.getMessage());
        assertTrue(e.getMessage().contains(" vs img5.png "), e.getMessage()); // new4.png sorts last
        assertEquals(before, snapshot(out), "nothing written");
    }

    @Test
    void anotherResolutionAfterAShardWentMissingWritesNothing() throws IOException {
        Path out = cacheMissingAShard("resolution");
        Map<String, String> before = snapshot(out);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> write(modelA, images, out, 32, true));
        assertTrue(e.getMessage().contains("resolution"), e.getMessage());
        assertEquals(before, snapshot(out), "the missing shard is not re-encoded at the new size");
        LatentCacheWriter.Report resumed = write(modelA, images, out, 16, true);
        assertEquals(new LatentCacheWriter.Report(1, 2, 2, 0, true), resumed, "the correct command still completes");
    }

    @Test
    void aFingerprintMismatchNamesTheFirstDifferingItem() {
        InputList inputs = InputList.of(List.of("a.png\t1\t2"));
        CacheFingerprint recorded = new CacheFingerprint(
                "ab", "{\"a\":1}", 16, List.of(), false, 2, 4, 2, 0.5, 0.25, "ignore", "none", List.of(), inputs);
        CacheFingerprint resized = new CacheFingerprint(
                "ab", "{\"a\":1}", 32, List.of(), false, 2, 4, 2, 0.5, 0.25, "ignore", "none", List.of(), inputs);
        assertEquals("resolution differs (16 recorded, 32 now)", recorded.difference(resized));
        CacheFingerprint rescaled = new CacheFingerprint(
                "ab", "{\"a\":1}", 16, List.of(), true, 2, 4, 2, 0.18, 0.25, "ignore", "none", List.of(), inputs);
        assertEquals("flip differs (false recorded, true now)", recorded.difference(rescaled));
        CacheFingerprint reconfigured = new CacheFingerprint(
                "ab", "{\"a\":2}", 16, List.of(), false, 2, 4, 2, 0.5, 0.25, "ignore", "none", List.of(), inputs);
        assertEquals("model config differs (a: 1 -> 2)", recorded.difference(reconfigured));
        assertEquals(null, recorded.difference(recorded));
    }

    @Test
    void aSecondWriterIsRefusedWhileTheFolderIsHeld() throws IOException {
        Path out = dir.resolve("held");
        try (FolderLock held = FolderLock.acquire(out, "another vae encode", null)) {
            FolderLockedException e =
                    assertThrows(FolderLockedException.class, () -> write(modelA, images, out, 16, false));
            assertTrue(
                    e.getMessage()
                            .contains("is in use by pid "
                                    + ProcessHandle.current().pid()),
                    e.getMessage());
            assertTrue(e.getMessage().contains("(another vae encode, since "), e.getMessage());
        }
        assertFalse(Files.exists(out.resolve("latents-000000.safetensors")));
        assertTrue(write(modelA, images, out, 16, false).indexWritten(), "free again once released");
    }
}
