package dev.vae4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.FileAccessException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ModelConfig}: parsing errors, immutability, the class name's default and a JSON round trip. */
class ModelConfigTest {
    @Test
    void parsesObjectsAndRefusesEverythingElse(@TempDir Path dir) throws Exception {
        ModelConfig config = ModelConfig.parse("{\"_class_name\": \"LiteVAE\", \"latent_channels\": 4}");
        assertEquals("LiteVAE", config.className());
        assertEquals(List.of("_class_name", "latent_channels"), config.keys());
        assertEquals(AutoencoderKLConfig.CLASS_NAME, ModelConfig.parse("{}").className());
        assertTrue(assertThrows(ConfigFormatException.class, () -> ModelConfig.parse("[1, 2]"))
                .getMessage()
                .contains("not a JSON object"));
        assertTrue(assertThrows(ConfigFormatException.class, () -> ModelConfig.parse("{\"a\": "))
                .getMessage()
                .contains("not valid JSON"));
        Path file = dir.resolve("config.json");
        Files.writeString(file, config.toJson());
        assertEquals(config, ModelConfig.read(file));
        assertThrows(FileAccessException.class, () -> ModelConfig.read(dir.resolve("missing.json")));
    }

    @Test
    void withAndWithoutLeaveTheOriginalUnchanged() {
        ModelConfig base = ModelConfig.of(Map.of("latent_channels", 4));
        ModelConfig wider = base.with("block_out_channels", List.of(8, 16)).with("latent_channels", 16);
        assertEquals(4, base.fields("test").integer("latent_channels"));
        assertFalse(base.has("block_out_channels"));
        assertEquals(List.of(8, 16), wider.fields("test").integers("block_out_channels"));
        assertEquals(16, wider.fields("test").integer("latent_channels"));
        assertEquals(base, wider.without("block_out_channels").with("latent_channels", 4));
    }

    @Test
    void sectionsOfTrainingConfigsAreReadWithTrailingCommas(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("train.json");
        Files.writeString(file, "{\"unet_config\": {\"img_size\": 64, \"dim_mults\": [1, 2,],},\n \"x\": 1,}");
        ModelConfig section = ModelConfig.readSection(file, "unet_config").orElseThrow();
        assertEquals(List.of(1, 2), section.fields("unet_config").integers("dim_mults"));
        assertTrue(ModelConfig.readSection(file, "x").isEmpty());
        assertTrue(ModelConfig.readSection(file, "model").isEmpty());
        Files.writeString(file, "{\"unet_config\": ");
        ConfigFormatException e =
                assertThrows(ConfigFormatException.class, () -> ModelConfig.readSection(file, "unet_config"));
        assertTrue(e.getMessage().startsWith(file + " is not valid JSON"), e.getMessage());
        assertThrows(FileAccessException.class, () -> ModelConfig.readSection(dir.resolve("none.json"), "x"));
    }
}
