package dev.vae4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link AutoencoderKLConfig} reads diffusers' config.json and writes it back unchanged; presets match the Hub. */
class AutoencoderKLConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"kl4_quant_attn", "kl16_noquant", "kl4_noattn", "gray_in_out"})
    void diffusersConfigRoundTripsUnchanged(String name) throws IOException {
        Path file = Fixtures.dir("autoencoder_kl/" + name).resolve("config.json");
        assertEquals(ModelConfig.read(file), AutoencoderKLConfig.read(file).toConfig());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sd", "sdxl", "sd3", "flux"})
    void presetsSurviveWriteAndRead(String preset, @TempDir Path dir) {
        AutoencoderKLConfig config = AutoencoderKLConfig.preset(preset);
        config.write(dir.resolve("config.json"));
        assertEquals(config, AutoencoderKLConfig.read(dir.resolve("config.json")));
    }

    @Test
    void presetsCarryThePublishedFactors() {
        assertEquals(0.18215, AutoencoderKLConfig.preset("sd").scalingFactor());
        assertEquals(0.13025, AutoencoderKLConfig.preset("sdxl").scalingFactor());
        assertEquals(1.5305, AutoencoderKLConfig.preset("sd3").scalingFactor());
        assertEquals(0.0609, AutoencoderKLConfig.preset("sd3").shiftFactor());
        assertEquals(0.3611, AutoencoderKLConfig.preset("flux").scalingFactor());
        assertEquals(0.1159, AutoencoderKLConfig.preset("flux").shiftFactor());
        assertEquals(16, AutoencoderKLConfig.preset("flux").latentChannels());
        assertEquals(8, AutoencoderKLConfig.preset("sd").downsamplingFactor());
    }

    @Test
    void malformedFilesAreClearErrors(@TempDir Path dir) throws IOException {
        Path wrongType = dir.resolve("a.json");
        Files.writeString(wrongType, "{\"latent_channels\": \"four\"}");
        ConfigFormatException type =
                assertThrows(ConfigFormatException.class, () -> AutoencoderKLConfig.read(wrongType));
        assertTrue(type.getMessage().contains("latent_channels"), type.getMessage());
        Path otherClass = dir.resolve("b.json");
        Files.writeString(otherClass, "{\"_class_name\": \"UNet2DConditionModel\"}");
        ConfigFormatException cls =
                assertThrows(ConfigFormatException.class, () -> AutoencoderKLConfig.read(otherClass));
        assertTrue(cls.getMessage().contains("UNet2DConditionModel"), cls.getMessage());
        Path broken = dir.resolve("c.json");
        Files.writeString(broken, "{\"in_channels\": 3,");
        ConfigFormatException syntax =
                assertThrows(ConfigFormatException.class, () -> AutoencoderKLConfig.read(broken));
        assertTrue(syntax.getMessage().contains("not valid JSON"), syntax.getMessage());
        assertThrows(FileAccessException.class, () -> AutoencoderKLConfig.read(dir.resolve("missing.json")));
    }
}
