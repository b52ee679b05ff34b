package dev.vae4j.diffusion.dit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.StringTensorDict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link DiTConfig}: diffusers' config.json both ways, strict keys, refused options, presets and their counts. */
class DiTConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"learned_sigma", "patch1_affine_dropout"})
    void diffusersConfigReadsAndWritesBackTheSameJson(String name, @TempDir Path tmp) throws IOException {
        Path file = Fixtures.dir("dit/" + name).resolve("config.json");
        DiTConfig config = DiTConfig.read(file);
        config.write(tmp.resolve("config.json"));
        assertEquals(
                JSON.readTree(file.toFile()),
                JSON.readTree(tmp.resolve("config.json").toFile()));
        assertEquals(config, DiTConfig.read(tmp.resolve("config.json")));
    }

    @Test
    void nullOutChannelsMeansInChannels() {
        DiTConfig config =
                DiTConfig.read(Fixtures.dir("dit/patch1_affine_dropout").resolve("config.json"));
        assertNull(config.outChannels());
        assertEquals(3, config.outputChannels());
    }

    @Test
    void missingKeysTakeDiffusersDefaults() {
        DiTConfig config = DiTConfig.fromConfig(ModelConfig.parse("{}"));
        assertEquals(16, config.numAttentionHeads());
        assertEquals(72, config.attentionHeadDim());
        assertEquals(28, config.numLayers());
        assertEquals(4, config.outputChannels());
        assertEquals(1000, config.numEmbedsAdaNorm());
        assertEquals("gelu-approximate", config.activationFn());
        assertEquals(1e-5, config.normEps());
    }

    @Test
    void bookkeepingKeysAreKeptAndWrittenBack() throws IOException {
        ModelConfig source = DiTConfig.preset("DiT-S/2")
                .toConfig()
                .with("_name_or_path", "facebook/DiT-XL-2-256")
                .with("_use_default_values", java.util.List.of("dropout"));
        DiTConfig config = DiTConfig.fromConfig(source);
        JsonNode written = JSON.readTree(config.toConfig().toJson());
        assertEquals("facebook/DiT-XL-2-256", written.get("_name_or_path").asText());
        assertEquals("dropout", written.get("_use_default_values").get(0).asText());
    }

    @Test
    void unsupportedNormTypeNamesKeyAndValue() {
        ModelConfig config = DiTConfig.preset("DiT-S/2").toConfig().with("norm_type", "ada_norm");
        ConfigFormatException e = assertThrows(ConfigFormatException.class, () -> DiTConfig.fromConfig(config));
        assertTrue(e.getMessage().contains("norm_type 'ada_norm'"), e.getMessage());
    }

    @Test
    void refusedOptionsAndUnknownKeysAreNamed() {
        ModelConfig base = DiTConfig.preset("DiT-S/2").toConfig();
        assertMessage(base.with("activation_fn", "geglu"), "activation_fn 'geglu'");
        assertMessage(base.with("num_embeds_ada_norm", null), "num_embeds_ada_norm null");
        assertMessage(base.with("sample_size", 33), "sample_size 33 is not a multiple of patch_size 2");
        assertMessage(base.with("dropout", 1.0), "dropout must be in [0, 1), got 1.0");
        assertMessage(base.with("num_layer", 3), "unknown key 'num_layer' (did you mean 'num_layers'?)");
        assertMessage(base.with("num_layers", "12"), "num_layers must be an integer");
        assertMessage(base.with("_class_name", "Transformer2DModel"), "_class_name is 'Transformer2DModel'");
    }

    private static void assertMessage(ModelConfig config, String expected) {
        ConfigFormatException e = assertThrows(ConfigFormatException.class, () -> DiTConfig.fromConfig(config));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void unknownPresetListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DiTConfig.preset("DiT-H/2"));
        assertTrue(e.getMessage().contains("DiT-S/2, DiT-B/2, DiT-L/2, DiT-XL/2"), e.getMessage());
        assertTrue(e.getMessage().contains("dit-s2, dit-b2, dit-l2, dit-xl2"), e.getMessage());
    }

    /** The command line's spellings name the same presets, in any case. */
    @ParameterizedTest
    @CsvSource({"dit-s2, DiT-S/2", "DIT-B2, DiT-B/2", "dit-l2, DiT-L/2", "Dit-XL2, DiT-XL/2", "dit-xl/2, DiT-XL/2"})
    void shortNamesAreTheSamePresets(String shortName, String name) {
        assertEquals(DiTConfig.preset(name), DiTConfig.preset(shortName));
        assertTrue(DiTConfig.shortPresetNames()
                .contains(shortName.toLowerCase(Locale.ROOT).replace("/", "")));
    }

    /** counts.json holds what diffusers counts for each preset (models built on the meta device). */
    @ParameterizedTest
    @ValueSource(strings = {"DiT-S/2", "DiT-B/2", "DiT-L/2", "DiT-XL/2"})
    void presetParameterCountsEqualDiffusers(String name) throws IOException {
        JsonNode counts =
                JSON.readTree(Fixtures.dir("dit/counts.json").toFile()).get(name);
        DiTConfig config = DiTConfig.preset(name);
        assertEquals(counts.get("num_attention_heads").asInt(), config.numAttentionHeads());
        assertEquals(counts.get("attention_head_dim").asInt(), config.attentionHeadDim());
        assertEquals(counts.get("num_layers").asInt(), config.numLayers());
        assertEquals(counts.get("total").asLong(), config.parameterCount());
    }

    /**
     * The arithmetic of {@link DiTConfig#parameterCount()} and {@link DiTConfig#parameterCountsByChild()} checked
     * against a built DiT-S/2 (39,805,088).
     */
    @Test
    void builtSmallPresetHasTheCountedParameters() {
        try (TensorScope scope = new TensorScope()) {
            DiT model = new DiT(DiTConfig.preset("DiT-S/2"));
            assertEquals(39_805_088L, StateDict.parameterCount(model));
            assertEquals(DiTConfig.preset("DiT-S/2").parameterCount(), StateDict.parameterCount(model));
            Map<String, Long> byChild = new LinkedHashMap<>();
            StringTensorDict params = model.named_parameters(true);
            for (long i = 0; i < params.size(); i++) {
                String key = params.get(i).key().getString();
                byChild.merge(
                        key.substring(0, key.indexOf('.')),
                        params.get(i).value().numel(),
                        Long::sum);
            }
            assertEquals(byChild, DiTConfig.preset("DiT-S/2").parameterCountsByChild());
            assertEquals(
                    List.copyOf(byChild.keySet()),
                    List.copyOf(
                            DiTConfig.preset("dit-s2").parameterCountsByChild().keySet()));
        }
    }

    @Test
    void readNamesTheFile(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, "{\"_class_name\": \"DiTTransformer2DModel\", \"patch_size\": 0}");
        ConfigFormatException e = assertThrows(ConfigFormatException.class, () -> DiTConfig.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("patch_size must be positive, got 0"), e.getMessage());
    }
}
