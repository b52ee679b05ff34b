package dev.vae4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.torch.CheckpointFiles;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Layout detection from key names and vae4j's key mappings against the renaming of the fixture scripts, which write
 * every upstream key with the vae4j name they gave it ({@code upstream_keys.json}, {@code trainer_keys.json}); the
 * renamed names and shapes are exactly those of the case's {@link AutoencoderKL}.
 */
class CheckpointLayoutTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Upstream key -> (vae4j key, shape) as the fixture script renamed it, in state-dict order. */
    private static Map<String, Map.Entry<String, long[]>> renaming(Path file) throws IOException {
        Map<String, Map.Entry<String, long[]>> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields =
                JSON.readTree(file.toFile()).fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode shape = field.getValue().get(1);
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = shape.get(i).asLong();
            }
            out.put(field.getKey(), Map.entry(field.getValue().get(0).asText(), dims));
        }
        return out;
    }

    /** Names and shapes only; nothing to load. */
    private static TensorSource shapesOnly(Map<String, Map.Entry<String, long[]>> keys) {
        return new TensorSource() {
            @Override
            public List<String> names() {
                return new ArrayList<>(keys.keySet());
            }

            @Override
            public long[] shape(String name) {
                return keys.get(name).getValue();
            }

            @Override
            public Tensor load(String name) {
                throw new UnsupportedOperationException(name);
            }
        };
    }

    private static void assertRenamedAsTheScript(
            Map<String, Map.Entry<String, long[]>> keys, CheckpointLayout layout, Path config) {
        AutoencoderKLConfig model = AutoencoderKLConfig.read(config);
        int levels = model.levels();
        TensorSource source = shapesOnly(keys);
        assertEquals(Optional.of(layout), CheckpointLayout.detect(source.names()));
        TensorSource renamed = layout.toVae4jNames(source, levels);
        List<String> expected = keys.values().stream().map(Map.Entry::getKey).toList();
        assertEquals(expected, renamed.names());
        for (Map.Entry<String, long[]> entry : keys.values()) {
            assertArrayEquals(entry.getValue(), renamed.shape(entry.getKey()), entry.getKey());
        }
        Map<String, long[]> modelShapes = new LinkedHashMap<>();
        try (TensorScope scope = new TensorScope()) {
            StateDict.of(new AutoencoderKL(model))
                    .forEach((k, v) -> modelShapes.put(k, v.sizes().vec().get()));
        }
        LoadReport report = StateDict.compare(modelShapes, renamed);
        assertTrue(report.clean(), report.summary());
    }

    @ParameterizedTest
    @ValueSource(strings = {"avg_nearest", "max_bicubic", "avg_bilinear"})
    void pytorchDiffusionKeysGetTheNamesTheFixtureScriptGave(String name) throws IOException {
        Path dir = Fixtures.dir("pytorch_diffusion/" + name);
        assertRenamedAsTheScript(
                renaming(dir.resolve("upstream_keys.json")),
                CheckpointLayout.PYTORCH_DIFFUSION_VAE,
                dir.resolve("config.json"));
    }

    @Test
    void vqganTrainingTrainerKeysGetTheNamesTheFixtureScriptGave() throws IOException {
        Map<String, Map.Entry<String, long[]>> keys =
                renaming(Fixtures.dir("vqgan_training/ae").resolve("trainer_keys.json"));
        assertTrue(keys.keySet().iterator().next().startsWith("module.encoder._orig_mod."));
        assertRenamedAsTheScript(
                keys,
                CheckpointLayout.VQGAN_TRAINING,
                Fixtures.dir("vqgan_training/ae").resolve("config.json"));
    }

    @Test
    void ldmAndDiffusersFilesAreToldApart() {
        Path dir = Fixtures.dir("autoencoder_kl/kl4_noattn");
        assertEquals(CheckpointLayout.LDM, detect(dir.resolve("ldm.safetensors")));
        assertEquals(CheckpointLayout.DIFFUSERS, detect(dir.resolve("diffusion_pytorch_model.safetensors")));
        assertEquals(
                CheckpointLayout.PYTORCH_DIFFUSION_VAE, detect(Fixtures.dir("pytorch_diffusion/avg_nearest/vae.pt")));
    }

    private static CheckpointLayout detect(Path file) {
        try (CheckpointFiles.Opened opened = CheckpointFiles.open(file)) {
            return CheckpointLayout.detect(opened.names()).orElseThrow();
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "first_stage_model.encoder.down.0.block.0.conv1.weight|first_stage_model.quant_conv.weight|ldm",
                "encoder.down.0.block.0.conv1.weight|encoder.mid.attn_1.q.weight|ldm",
                "encoder.down.0.block.0.conv1.weight|encoder.mid.attn_1.qkv.weight|vqgan-training",
                "module.encoder.down.0.block.0.conv1.weight|module.decoder.up.0.block.0.conv1.weight|vqgan-training",
                "vae.encoder.down_blocks.0.resnets.0.conv1.weight|vae.quant_conv.weight|diffusers",
                "_orig_mod._encoder.init_conv.weight|_orig_mod.pre_quantizer.weight|pytorch-diffusion-vae",
                "encoder.extractors.0.down_blocks.0.1.conv1.weight|loss.logvar|open-litevae",
                "time_mlp.1.weight,downs.0.0.block1.proj.weight|final_conv.weight|pytorch-diffusion-unet",
            })
    void layoutsAreDetectedFromTheirSignatures(String first, String second, String expected) {
        List<String> keys = new ArrayList<>(List.of(first.split(",")));
        keys.add(second);
        assertEquals(
                CheckpointLayout.parse(expected), CheckpointLayout.detect(keys).orElseThrow(), keys.toString());
    }

    @Test
    void unknownKeysFitNoLayoutAndUnknownIdsAreRefused() {
        assertEquals(Optional.empty(), CheckpointLayout.detect(List.of("model.layer.0.weight", "head.bias")));
        assertEquals(Optional.empty(), CheckpointLayout.mostResembled(List.of("model.layer.0.weight")));
        assertEquals("", CheckpointLayout.hint(List.of("model.layer.0.weight")));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> CheckpointLayout.parse("taming"));
        assertTrue(e.getMessage().contains("'taming'") && e.getMessage().contains("pytorch-diffusion-vae"));
    }

    @Test
    void trainingWrappersAreRemovedOnlyWhenEveryKeyCarriesThem() {
        assertEquals(
                List.of("encoder.conv_in.weight", "decoder.conv_in.weight"),
                TrainingWrappers.unwrap(
                        List.of("module.encoder._orig_mod.conv_in.weight", "module.decoder.conv_in.weight")));
        assertEquals(List.of("module.x", "encoder.y"), TrainingWrappers.unwrap(List.of("module.x", "encoder.y")));
    }

    @Test
    void summaryIsOneLineWithTheFirstFiveKeysOfEachList() {
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            missing.add("m" + i);
        }
        LoadReport report = new LoadReport(missing, List.of("u0"), List.of("s: model [1] vs file [2]"), 3);
        assertEquals(
                "3 of 11 tensors loaded; 7 missing (m0, m1, m2, m3, m4, +2 more); 1 unexpected (u0); "
                        + "1 shape mismatch (s: model [1] vs file [2])",
                report.summary());
        WeightLoadingException e = new WeightLoadingException("f.pt", report, "the keys look like X");
        assertEquals("cannot load weights from f.pt: " + report.summary() + "; the keys look like X", e.getMessage());
        assertTrue(e.details().contains("m5, m6"), e.details());
    }
}
