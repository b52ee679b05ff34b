package dev.vae4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link VQModelConfig}: diffusers' keys and defaults, the round trip through config.json, and refusals by name. */
class VQModelConfigTest {
    @Test
    void fixtureConfigReadsAndWritesBackTheSameKeys(@TempDir Path dir) {
        VQModelConfig config = VQModelConfig.read(Fixtures.dir("vq_model/ldm_layout/config.json"));
        assertEquals(4, config.codeDim());
        assertEquals(32, config.numVqEmbeddings());
        assertTrue(config.lookupFromCodebook());
        Path file = dir.resolve("config.json");
        config.write(file);
        assertEquals(config, VQModelConfig.read(file));
        VQModelConfig unset = VQModelConfig.read(Fixtures.dir("vq_model/no_mid_attention/config.json"));
        assertEquals(null, unset.vqEmbedDim());
        assertEquals(unset.latentChannels(), unset.codeDim());
    }

    @Test
    void missingKeysTakeDiffusersDefaults() {
        VQModelConfig config = VQModelConfig.fromConfig(ModelConfig.parse("{\"_class_name\": \"VQModel\"}"));
        assertEquals(List.of(64), config.blockOutChannels());
        assertEquals(3, config.latentChannels());
        assertEquals(256, config.numVqEmbeddings());
        assertEquals(0.18215, config.scalingFactor());
        assertEquals("group", config.normType());
    }

    @Test
    void spatialNormConfigReadsAndWritesBack(@TempDir Path dir) {
        VQModelConfig config = VQModelConfig.read(Fixtures.dir("vq_model/spatial/config.json"));
        assertTrue(config.spatialNorm());
        Path file = dir.resolve("config.json");
        config.write(file);
        assertEquals(config, VQModelConfig.read(file));
        assertFalse(VQModelConfig.of(List.of(32), 3, 8).spatialNorm());
    }

    @Test
    void unknownNormTypesAndSpatialNormsDiffusersCannotRunAreRefusedByName() {
        ConfigFormatException unknown =
                assertThrows(ConfigFormatException.class, () -> parse("\"norm_type\": \"layer\""));
        assertTrue(
                unknown.getMessage().contains("norm_type 'layer' is not supported (expected 'group' or 'spatial')"),
                unknown.getMessage());
        ConfigFormatException dim = assertThrows(
                ConfigFormatException.class,
                () -> parse("\"norm_type\": \"spatial\", \"latent_channels\": 3, \"vq_embed_dim\": 4"));
        assertTrue(
                dim.getMessage().contains("norm_type 'spatial' needs vq_embed_dim equal to latent_channels 3, got 4"),
                dim.getMessage());
        ConfigFormatException groups = assertThrows(
                ConfigFormatException.class,
                () -> parse("\"norm_type\": \"spatial\", \"block_out_channels\": [48], \"norm_num_groups\": 16"));
        assertTrue(
                groups.getMessage().contains("multiples of 32 (SpatialNorm's GroupNorm groups), got 48"),
                groups.getMessage());
    }

    private static VQModelConfig parse(String fields) {
        return VQModelConfig.fromConfig(ModelConfig.parse("{\"_class_name\": \"VQModel\", " + fields + "}"));
    }

    @Test
    void unknownKeysAndBadValuesAreRefusedByName(@TempDir Path dir) throws Exception {
        ConfigFormatException unknown = assertThrows(
                ConfigFormatException.class,
                () -> VQModelConfig.fromConfig(
                        ModelConfig.parse("{\"_class_name\": \"VQModel\", \"num_vq_embedding\": 8}")));
        assertTrue(unknown.getMessage().contains("num_vq_embedding"), unknown.getMessage());
        Path file = Files.writeString(
                dir.resolve("config.json"),
                "{\"_class_name\": \"VQModel\", \"block_out_channels\": [8, 12], \"norm_num_groups\": 8,"
                        + " \"down_block_types\": [\"DownEncoderBlock2D\", \"DownEncoderBlock2D\"],"
                        + " \"up_block_types\": [\"UpDecoderBlock2D\", \"UpDecoderBlock2D\"]}");
        ConfigFormatException groups = assertThrows(ConfigFormatException.class, () -> VQModelConfig.read(file));
        assertTrue(groups.getMessage().contains("VQModel config: block_out_channels entry 12"), groups.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VQModelConfig.of(List.of(32), 3, 0));
    }

    @Test
    void presetsAreFoundThroughTheFormatRegistry() {
        ModelConfig preset = Autoencoders.preset("vq-f4");
        assertEquals("VQModel", preset.className());
        VQModelConfig config = VQModelConfig.fromConfig(preset);
        assertEquals(List.of(128, 256, 512), config.blockOutChannels());
        assertEquals(8192, config.numVqEmbeddings());
        assertEquals(3, config.codeDim());
        VQModelConfig f8 = VQModelConfig.preset("vq-f8").orElseThrow();
        assertTrue(f8.backbone().downLevelAttention(3) && f8.backbone().upLevelAttention(0));
        assertTrue(VQModelConfig.preset("vq-f16").isEmpty());
    }
}
