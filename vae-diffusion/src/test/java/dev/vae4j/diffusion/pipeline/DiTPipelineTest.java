package dev.vae4j.diffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.Vae4jException;
import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad pipeline folders and bad generation arguments are refused in one line naming the part or value. */
class DiTPipelineTest {
    private static final Path FIXTURE = Fixtures.dir("dit_pipeline/ddim");

    private static Path copy(Path target) throws IOException {
        try (Stream<Path> files = Files.walk(FIXTURE)) {
            for (Path file : files.sorted(Comparator.naturalOrder()).toList()) {
                Path to = target.resolve(FIXTURE.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(file, to);
                }
            }
        }
        return target;
    }

    private static void assertNames(Vae4jException e, String named) {
        assertTrue(e.getMessage().contains(named), e.getMessage());
    }

    @Test
    void missingPartIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = copy(tmp.resolve("pipe"));
        TestFolders.deleteRecursively(dir.resolve("vae"));
        assertNames(assertThrows(FileAccessException.class, () -> DiTPipeline.load(dir)), "no vae/ folder");
        assertNames(
                assertThrows(FileAccessException.class, () -> DiTPipeline.load(tmp.resolve("none"))),
                "model_index.json");
    }

    /** {@code id2label} (as facebook/DiT-XL-2-256's model_index.json holds it) is read and written back. */
    @Test
    void id2labelIsReadAndWritten(@TempDir Path tmp) throws IOException {
        Path dir = copy(tmp.resolve("pipe"));
        Path index = dir.resolve("model_index.json");
        Files.writeString(
                index,
                Files.readString(index)
                        .replace("{", "{\"id2label\": {\"0\": \"tench, Tinca tinca\", \"3\": \"tiger shark\"},"));
        try (TensorScope scope = new TensorScope()) {
            DiTPipeline pipeline = DiTPipeline.load(dir);
            assertEquals(Map.of(0, "tench, Tinca tinca", 3, "tiger shark"), pipeline.id2label());
            pipeline.save(tmp.resolve("saved"));
            assertEquals(
                    pipeline.id2label(), DiTPipeline.load(tmp.resolve("saved")).id2label());
        }
    }

    @Test
    void otherPipelineClassAndSchedulerAreNamed(@TempDir Path tmp) throws IOException {
        Path dir = copy(tmp.resolve("pipe"));
        Path index = dir.resolve("model_index.json");
        Files.writeString(index, Files.readString(index).replace("\"DiTPipeline\"", "\"StableDiffusionPipeline\""));
        assertNames(
                assertThrows(ConfigFormatException.class, () -> DiTPipeline.load(dir)), "'StableDiffusionPipeline'");
        Path other = copy(tmp.resolve("other"));
        Path scheduler = other.resolve("scheduler/scheduler_config.json");
        Files.writeString(scheduler, Files.readString(scheduler).replace("DDIMScheduler", "PNDMScheduler"));
        assertNames(assertThrows(ConfigFormatException.class, () -> DiTPipeline.load(other)), "'PNDMScheduler'");
    }

    /** {@code generate} is {@code decode(generateLatents(...))}: the latents (B, C, s, s) are the ones it decodes. */
    @Test
    void generateDecodesGenerateLatents() {
        try (TensorScope scope = new TensorScope()) {
            DiTPipeline pipeline = DiTPipeline.load(FIXTURE);
            long[] labels = {0, 3};
            Tensor latents = pipeline.generateLatents(labels, 2, 4.0, 7);
            assertArrayEquals(
                    new long[] {2, pipeline.transformer().latentChannels(), pipeline.latentSize(), pipeline.latentSize()
                    },
                    latents.sizes().vec().get());
            assertTrue(org.bytedeco.pytorch.global.torch.equal(
                    pipeline.generate(labels, 2, 4.0, 7), pipeline.decode(latents)));
        }
    }

    @Test
    void badGenerationArgumentsAreNamed(@TempDir Path tmp) {
        try (TensorScope scope = new TensorScope()) {
            DiTPipeline pipeline = DiTPipeline.load(FIXTURE);
            IllegalArgumentException label =
                    assertThrows(IllegalArgumentException.class, () -> pipeline.generate(new long[] {1000}, 2, 4.0, 0));
            assertTrue(label.getMessage().contains("class id 1000 is outside the model's [0, 999]"));
            IllegalArgumentException guidance =
                    assertThrows(IllegalArgumentException.class, () -> pipeline.generate(new long[] {1}, 2, 0.5, 0));
            assertTrue(guidance.getMessage().contains("guidance scale 0.5"));
            assertThrows(IllegalArgumentException.class, () -> pipeline.generate(new long[] {1}, 0, 4.0, 0));
            Tensor noise = org.bytedeco.pytorch.global.torch.randn(3, 4, 8, 8);
            IllegalArgumentException batch = assertThrows(
                    IllegalArgumentException.class,
                    () -> pipeline.generate(new long[] {1, 2}, 2, 4.0, noise, like -> like));
            assertTrue(
                    batch.getMessage().contains("initial noise [3, 4, 8, 8] is not (2, C, H, W)"), batch.getMessage());
            Path existing = FIXTURE;
            assertThrows(IllegalArgumentException.class, () -> pipeline.save(existing));
        }
    }
}
