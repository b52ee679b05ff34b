package dev.vae4j.diffusion.pipeline;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A folder written by diffusers' {@code DiTPipeline.save_pretrained} ({@code tools/reference/gen_dit_pipeline.py}: tiny
 * seeded-random DiT and AutoencoderKL, DDIM or DPM-Solver++ scheduler) loads into {@link DiTPipeline} and
 * {@link DiTPipeline#generate} reproduces {@code pipe(class_labels=[0, 3], num_inference_steps=10, guidance_scale=4.0,
 * generator=torch.manual_seed(0), output_type="np")}: the images, mapped to [0, 1] as diffusers does, within 1e-5
 * (measured: 8.0e-7 with DDIM, 1.2e-6 with DPM-Solver++, after ten guided steps of float32 DiT and decoder arithmetic).
 * A pipeline saved by vae4j loads back and generates the identical images; it is kept under
 * {@code target/dit-pipeline-export/<case>} for {@code tools/reference/check_dit_pipeline_export.py}, which runs it in
 * diffusers.
 */
@Tag("parity")
class DiTPipelineParityTest {
    private static final double TOLERANCE = 1e-5;

    static Stream<String> cases() {
        return Stream.of("ddim", "dpm_solver");
    }

    private static Map<String, Tensor> io(Path dir) {
        try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            return reader.loadAll();
        }
    }

    /** Images (B, 3, H, W) in [-1, 1] as diffusers' output_type "np": (B, H, W, 3), x / 2 + 0.5 clamped to [0, 1]. */
    static Tensor asNumpyImages(Tensor images) {
        return images.div(new Scalar(2.0))
                .add(new Scalar(0.5))
                .clamp(
                        new org.bytedeco.pytorch.ScalarOptional(new Scalar(0.0)),
                        new org.bytedeco.pytorch.ScalarOptional(new Scalar(1.0)))
                .permute(0, 2, 3, 1)
                .contiguous();
    }

    private static Tensor generate(DiTPipeline pipeline, Map<String, Tensor> io) {
        Tensor settings = io.get("settings");
        Tensor labels = io.get("labels");
        long[] classes = new long[(int) labels.size(0)];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = labels.get(i).item_long();
        }
        return pipeline.generate(
                classes, (int) settings.get(0).item_double(), settings.get(1).item_double(), (long)
                        settings.get(2).item_double());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void diffusersPipelineFolderGeneratesDiffusersImages(String name) {
        Path dir = Fixtures.dir("dit_pipeline/" + name);
        try (TensorScope scope = new TensorScope()) {
            DiTPipeline pipeline = DiTPipeline.load(dir);
            Map<String, Tensor> io = io(dir);
            Tensor images = asNumpyImages(generate(pipeline, io));
            assertClose(name + " images", io.get("images"), images, TOLERANCE);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void savedPipelineLoadsBackIdentically(String name) throws Exception {
        Path dir = Fixtures.dir("dit_pipeline/" + name);
        try (TensorScope scope = new TensorScope()) {
            DiTPipeline pipeline = DiTPipeline.load(dir);
            Path saved = Path.of("target", "dit-pipeline-export", name);
            TestFolders.deleteRecursively(saved);
            pipeline.save(saved);
            DiTPipeline again = DiTPipeline.load(saved);
            assertEquals(
                    Files.readString(dir.resolve("scheduler/scheduler_config.json")),
                    Files.readString(saved.resolve("scheduler/scheduler_config.json")));
            assertEquals(
                    dev.vae4j.core.model.ModelConfig.read(dir.resolve("model_index.json")),
                    dev.vae4j.core.model.ModelConfig.read(saved.resolve("model_index.json")));
            Map<String, Tensor> io = io(dir);
            assertEquals(0.0, Fixtures.maxAbsDiff(generate(pipeline, io), generate(again, io)));
        }
    }
}
