package dev.vae4j.core.model.tiny;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AutoencoderTinyConfig}: diffusers' config.json reads with its defaults, round-trips, writes vae4j keys only
 * when set, and rejects bad values naming the key; the presets have taesd.py's parameter counts (taesd's README:
 * encoder 1,222,532, decoder 1,222,531).
 */
class AutoencoderTinyConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsDiffusersConfigWithDefaultsAndRoundTrips() throws IOException {
        // madebyollin/taesd's config.json as diffusers writes it (extra keys such as block_out_channels ignored)
        ModelConfig diffusers = ModelConfig.parse("""
                {"_class_name": "AutoencoderTiny", "_diffusers_version": "0.20.0", "act_fn": "relu",
                 "decoder_block_out_channels": [64, 64, 64, 64], "encoder_block_out_channels": [64, 64, 64, 64],
                 "block_out_channels": [64, 64, 64, 64], "force_upcast": false, "in_channels": 3,
                 "latent_channels": 4, "latent_magnitude": 3, "latent_shift": 0.5,
                 "num_decoder_blocks": [3, 3, 3, 1], "num_encoder_blocks": [1, 3, 3, 3], "out_channels": 3,
                 "scaling_factor": 1.0, "upsampling_scaling_factor": 2}""");
        AutoencoderTinyConfig config = AutoencoderTinyConfig.fromConfig(diffusers);
        assertEquals(AutoencoderTinyConfig.taesd(4), config);
        assertEquals(
                config, AutoencoderTinyConfig.fromConfig(ModelConfig.parse("{\"_class_name\": \"AutoencoderTiny\"}")));
        ModelConfig written = config.toConfig();
        assertFalse(written.has("use_midblock_gn") || written.has("encoder_stem"), written.toString());
        for (AutoencoderTinyConfig preset : AutoencoderTinyConfig.presets().values()) {
            assertEquals(preset, AutoencoderTinyConfig.fromConfig(preset.toConfig()));
        }
        assertTrue(AutoencoderTinyConfig.taef2().toConfig().fields("taef2").bool("use_midblock_gn"));
        assertEquals(
                "strided_pair",
                AutoencoderTinyConfig.taesana().toConfig().fields("taesana").text("encoder_stem"));
        assertEquals(32, AutoencoderTinyConfig.taesana().encoderDownsampling());
        assertEquals(32, AutoencoderTinyConfig.taesana().decoderUpsampling());
    }

    @Test
    void rejectsBadValuesNamingTheKey() {
        assertMessage("act_fn 'tanh'", json("act_fn", "\"tanh\""));
        assertMessage("upsample_fn 'area'", json("upsample_fn", "\"area\""));
        assertMessage("latent_channels must be >= 1", json("latent_channels", "0"));
        assertMessage("num_encoder_blocks [1, 3]", json("num_encoder_blocks", "[1, 3]"));
        assertMessage(
                "encoder_block_out_channels must be a list of integers", json("encoder_block_out_channels", "64"));
        assertMessage("scaling_factor must be positive", json("scaling_factor", "0"));
        assertMessage("encoder_stem 'pixel_unshuffle'", json("encoder_stem", "\"pixel_unshuffle\""));
    }

    @Test
    void halvesHaveTaesdPyParameterCountsAndMustAgree(@TempDir Path dir) {
        try (TensorScope scope = new TensorScope()) {
            AutoencoderTiny taesd = new AutoencoderTiny(AutoencoderTinyConfig.taesd(4));
            assertEquals(1_222_532, StateDict.parameterCount(taesd.encoder()));
            assertEquals(1_222_531, StateDict.parameterCount(taesd.decoder()));
            AutoencoderTinyConfig mismatched = new AutoencoderTinyConfig(
                    3,
                    3,
                    List.of(8, 8),
                    List.of(8, 8, 8),
                    TinyActivation.RELU,
                    dev.vae4j.core.nn.InterpolatingUpsample2D.Mode.NEAREST,
                    4,
                    2,
                    List.of(1, 1),
                    List.of(1, 1, 1),
                    3.0,
                    0.5,
                    false,
                    1.0,
                    0.0,
                    false,
                    EncoderStem.CONV);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> new AutoencoderTiny(mismatched));
            assertTrue(e.getMessage().contains("downsamples by 2 but the decoder upsamples by 4"), e.getMessage());
            AutoencoderTiny encoderOnly = new AutoencoderTiny(mismatched, true, false, "enc.pth");
            encoderOnly.save(dir);
            AutoencoderTiny reloaded = AutoencoderTiny.fromPretrained(dir);
            assertTrue(reloaded.hasEncoder() && !reloaded.hasDecoder());
            IllegalStateException missing = assertThrows(
                    IllegalStateException.class,
                    () -> reloaded.decode(org.bytedeco.pytorch.global.torch.zeros(1, 4, 2, 2)));
            assertTrue(
                    missing.getMessage().contains(dir.toString())
                            && missing.getMessage().contains("--decoder"),
                    missing.getMessage());
        }
    }

    private static ModelConfig json(String key, String value) {
        return ModelConfig.parse("{\"" + key + "\": " + value + "}");
    }

    private static void assertMessage(String fragment, ModelConfig config) {
        ConfigFormatException e =
                assertThrows(ConfigFormatException.class, () -> AutoencoderTinyConfig.fromConfig(config));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
