package dev.vae4j.diffusion.dit;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.bytedeco.pytorch.global.torch.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.io.WeightLoadingException;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link DiT}: saving a diffusers folder, strict loading, training-mode randomness and the bad-input contract. */
class DiTTest {
    private static final String CASE = "learned_sigma";

    private static Map<String, Tensor> io(Path dir) {
        try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            return reader.loadAll();
        }
    }

    /**
     * The "written by vae4j" half of the acceptance: the loaded fixture model saved by {@link DiT#save} reloads with
     * the same output; the folder is kept under {@code target/dit-export/<case>} for {@code tools/reference/
     * check_dit_export.py}, which loads it with diffusers' {@code from_pretrained} and compares with the fixture.
     */
    @Tag("parity")
    @ParameterizedTest
    @ValueSource(strings = {"learned_sigma", "patch1_affine_dropout"})
    void savedFolderReloadsWithTheSameOutput(String name) throws IOException {
        Path fixture = Fixtures.dir("dit/" + name);
        Path exported = Path.of("target", "dit-export", name);
        deleteRecursively(exported);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            DiT.load(fixture).save(exported);
            ObjectMapper json = new ObjectMapper();
            assertEquals(
                    json.readTree(fixture.resolve(DiT.CONFIG_FILE).toFile()),
                    json.readTree(exported.resolve(DiT.CONFIG_FILE).toFile()));
            try (SafetensorsReader reader = SafetensorsReader.open(exported.resolve(DiT.WEIGHTS_FILE))) {
                assertEquals(Map.of("format", "pt"), reader.metadata());
                assertTrue(!reader.names().contains("pos_embed.pos_embed"), "the position table is not saved");
            }
            Map<String, Tensor> io = io(fixture);
            Tensor out = DiT.load(exported).predict(io.get("latents"), io.get("timesteps"), io.get("labels"));
            assertClose(name + " reloaded eval", io.get("eval"), out, 1e-5);
        }
        try (Stream<Path> files = Files.list(exported)) {
            assertEquals(2, files.count(), "config.json and the weights, no temporary files left");
        }
    }

    /**
     * A model initialised by vae4j (not read from diffusers) saved for {@code check_dit_export.py}: the folder goes to
     * {@code target/dit-export/java_init}, the inputs and vae4j's eval and unconditional outputs to
     * {@code target/dit-export/java_init_io/io.safetensors} (the script's FIXTURE_DIR).
     */
    @Tag("parity")
    @Test
    void javaInitialisedModelIsSavedWithItsOutputs() throws IOException {
        Path fixture = Fixtures.dir("dit/" + CASE);
        Path exported = Path.of("target", "dit-export", "java_init");
        Path outputs = Path.of("target", "dit-export", "java_init_io");
        deleteRecursively(exported);
        deleteRecursively(outputs);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            manual_seed(20231206L);
            DiT model = new DiT(DiTConfig.read(fixture.resolve(DiT.CONFIG_FILE)));
            Map<String, Tensor> io = new LinkedHashMap<>(io(fixture));
            io.put("eval", model.predict(io.get("latents"), io.get("timesteps"), io.get("labels")));
            io.put("eval_null", model.predict(io.get("latents"), io.get("timesteps"), null));
            model.save(exported);
            Files.createDirectories(outputs);
            SafetensorsWriter.write(outputs.resolve("io.safetensors"), io, Map.of());
            Tensor reloaded = DiT.load(exported).predict(io.get("latents"), io.get("timesteps"), io.get("labels"));
            assertEquals(0.0, Fixtures.maxAbsDiff(io.get("eval"), reloaded), "bit-identical after reload");
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    void pipelineFolderLoadsFromItsTransformerSubfolder(@TempDir Path tmp) throws IOException {
        Path fixture = Fixtures.dir("dit/" + CASE);
        Path transformer = Files.createDirectories(tmp.resolve(DiT.PIPELINE_SUBFOLDER));
        Files.copy(fixture.resolve(DiT.CONFIG_FILE), transformer.resolve(DiT.CONFIG_FILE));
        Files.copy(fixture.resolve(DiT.WEIGHTS_FILE), transformer.resolve(DiT.WEIGHTS_FILE));
        try (TensorScope scope = new TensorScope()) {
            assertEquals(2, DiT.load(tmp).config().numLayers());
        }
    }

    @Test
    void missingFolderIsAFileAccessException(@TempDir Path tmp) {
        FileAccessException e = assertThrows(FileAccessException.class, () -> DiT.load(tmp.resolve("none")));
        assertTrue(e.getMessage().contains("no DiT model in"), e.getMessage());
    }

    @Test
    void strictLoadingNamesMissingUnexpectedAndMisShapedKeys(@TempDir Path tmp) throws IOException {
        Path fixture = Fixtures.dir("dit/" + CASE);
        Files.copy(fixture.resolve(DiT.CONFIG_FILE), tmp.resolve(DiT.CONFIG_FILE));
        try (TensorScope scope = new TensorScope();
                SafetensorsReader reader = SafetensorsReader.open(fixture.resolve(DiT.WEIGHTS_FILE))) {
            Map<String, Tensor> tensors = new LinkedHashMap<>(reader.loadAll());
            tensors.remove("proj_out_2.bias");
            tensors.put("pos_embed.pos_embed", randn(1, 16, 16));
            tensors.put("proj_out_1.weight", randn(3, 16));
            SafetensorsWriter.write(tmp.resolve(DiT.WEIGHTS_FILE), tensors, Map.of("format", "pt"));
            WeightLoadingException e = assertThrows(WeightLoadingException.class, () -> DiT.load(tmp));
            assertEquals(java.util.List.of("proj_out_2.bias"), e.report().missing());
            assertEquals(java.util.List.of("pos_embed.pos_embed"), e.report().unexpected());
            assertEquals(
                    java.util.List.of("proj_out_1.weight: model [32, 16] vs file [3, 16]"),
                    e.report().mismatched());
        }
    }

    @Test
    void trainingModeIsReproducibleAndResumableWithASeedAndEvalModeDrawsNothing() {
        Path fixture = Fixtures.dir("dit/patch1_affine_dropout");
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            DiT model = DiT.load(fixture);
            Map<String, Tensor> io = io(fixture);
            Tensor x = io.get("latents");
            Tensor t = io.get("timesteps");
            Tensor labels = io.get("labels");
            model.train(true);
            model.seedTrainingNoise(5);
            Tensor first = model.predict(x, t, labels);
            Tensor second = model.predict(x, t, labels);
            model.seedTrainingNoise(5);
            assertEquals(0.0, Fixtures.maxAbsDiff(first, model.predict(x, t, labels)));
            assertTrue(Fixtures.maxAbsDiff(first, second) > 1e-3, "a second draw differs");
            model.seedTrainingNoise(5, 1);
            assertEquals(0.0, Fixtures.maxAbsDiff(second, model.predict(x, t, labels)), "resumed after one pass");
            assertEquals(2, model.trainingNoisePasses());
            assertThrows(IllegalArgumentException.class, () -> model.seedTrainingNoise(5, -1));
            model.train(false);
            assertEquals(0.0, Fixtures.maxAbsDiff(io.get("eval"), model.predict(x, t, labels)), 1e-5);
            assertEquals(0.0, Fixtures.maxAbsDiff(model.predict(x, t, labels), model.predict(x, t, labels)));
            assertEquals(2, model.trainingNoisePasses(), "eval passes draw nothing");
        }
    }

    @Test
    void runsInFloat64LikeInFloat32() {
        Path fixture = Fixtures.dir("dit/" + CASE);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            DiT model = DiT.load(fixture);
            Map<String, Tensor> io = io(fixture);
            model.to(ScalarType.Double, false);
            Tensor out = model.predict(io.get("latents").to(ScalarType.Double), io.get("timesteps"), io.get("labels"));
            assertEquals(ScalarType.Double.value, out.scalar_type().value);
            assertClose(CASE + " float64 vs diffusers float32", io.get("eval"), out, 1e-4);
        }
    }

    @Test
    void denoiserContract() {
        try (TensorScope scope = new TensorScope()) {
            DiT model = DiT.load(Fixtures.dir("dit/" + CASE));
            assertEquals(4, model.latentChannels());
            assertEquals(8, model.predictionChannels());
            assertEquals(10, model.numClasses());
            assertTrue(model.hasUnconditionalPrediction());
        }
    }

    @Test
    void badInputIsAOneLineIllegalArgumentNamingValueAndLimit() {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            DiT model = DiT.load(Fixtures.dir("dit/" + CASE));
            Tensor x = randn(2, 4, 8, 8);
            Tensor t = tensor(new float[] {1f, 500f});
            Tensor labels = tensor(new long[] {0, 9});
            model.predict(x, t, labels);
            assertMessage(() -> model.predict(randn(2, 3, 8, 8), t, labels), "latents must have 4 channels");
            assertMessage(() -> model.predict(randn(2, 4, 9, 9), t, labels), "multiples of 2");
            assertMessage(() -> model.predict(randn(2, 4, 8, 12), t, labels), "latents must be square");
            assertMessage(() -> model.predict(randn(4, 8, 8), t, labels), "must be 4-D");
            assertMessage(() -> model.predict(x, tensor(new float[] {1f}), labels), "timesteps must have shape [2]");
            assertMessage(() -> model.predict(x, randn(2, 1), labels), "timesteps must have shape [2]");
            assertMessage(() -> model.predict(x, t, tensor(new long[] {0, 10})), "label 10 is outside [0, 10)");
            assertMessage(() -> model.predict(x, t, tensor(new long[] {-1, 3})), "label -1 is outside [0, 10)");
            assertMessage(() -> model.predict(x, t, tensor(new float[] {0f, 1f})), "labels must be an integer");
            assertMessage(() -> model.predict(x, t, tensor(new long[] {1, 2, 3})), "labels must have shape [2]");
            assertMessage(
                    () -> model.forward(x, t, labels, tensor(new long[] {1})), "forceDropIds must have shape [2]");
            assertMessage(
                    () -> model.predict(x.to(ScalarType.Double), t, labels),
                    "latents are Double on cpu but the model is Float on cpu");
        }
    }

    private static void assertMessage(Executable call, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void otherSquareSizesUseRecomputedPositions() {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            DiT model = new DiT(DiTConfig.builder(2, 8, 1).size(8, 2).classes(3).build());
            Tensor out = model.predict(randn(1, 4, 16, 16), tensor(new float[] {3f}), null);
            assertEquals(
                    java.util.List.of(1L, 4L, 16L, 16L),
                    java.util.Arrays.stream(out.sizes().vec().get()).boxed().toList());
        }
    }
}
