package dev.vae4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.model.tiny.AutoencoderTinyConfig;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Unknown config keys are errors with a suggestion; the keys real diffusers VAE configs carry are accepted. */
class StrictConfigKeysTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BLOCKS = """
            "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D",
                                 "DownEncoderBlock2D"],
            "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"],
            "block_out_channels": [128, 256, 512, 512], "in_channels": 3, "out_channels": 3, "act_fn": "silu",
            "layers_per_block": 2, "norm_num_groups": 32""";
    /** The config.json files of stabilityai/sd-vae-ft-mse, SDXL's VAE and FLUX.1's VAE, as published. */
    private static final List<String> REAL_CONFIGS =
            List.of("""
            {"_class_name": "AutoencoderKL", "_diffusers_version": "0.4.2", %s, "latent_channels": 4,
             "sample_size": 256}""".formatted(BLOCKS), """
            {"_class_name": "AutoencoderKL", "_diffusers_version": "0.20.0.dev0",
             "_name_or_path": "../sdxl-vae/", %s, "force_upcast": true, "latent_channels": 4,
             "sample_size": 1024, "scaling_factor": 0.13025}""".formatted(BLOCKS), """
            {"_class_name": "AutoencoderKL", "_diffusers_version": "0.30.0.dev0",
             "_name_or_path": "../checkpoints/flux-dev", %s, "force_upcast": true, "latent_channels": 16,
             "latents_mean": null, "latents_std": null, "mid_block_add_attention": true, "sample_size": 1024,
             "scaling_factor": 0.3611, "shift_factor": 0.1159, "use_post_quant_conv": false,
             "use_quant_conv": false, "_use_default_values": ["latents_mean"]}""".formatted(BLOCKS));

    private static ModelConfig json(String text) throws IOException {
        return ModelConfig.parse(text);
    }

    @Test
    void realDiffusersConfigsLoadAndKeepTheirBookkeepingKeys() throws IOException {
        for (String text : REAL_CONFIGS) {
            AutoencoderKLConfig config = AutoencoderKLConfig.fromConfig(json(text));
            assertEquals(config, AutoencoderKLConfig.fromConfig(config.toConfig()), text);
        }
        AutoencoderKLConfig flux = AutoencoderKLConfig.fromConfig(json(REAL_CONFIGS.get(2)));
        assertEquals("\"../checkpoints/flux-dev\"", flux.extras().get("_name_or_path"));
        for (String preset : AutoencoderKLConfig.presetNames()) {
            AutoencoderKLConfig.fromConfig(AutoencoderKLConfig.preset(preset).toConfig());
        }
    }

    @Test
    void anUnknownKeyIsNamedWithTheClosestKnownOne() throws IOException {
        ConfigFormatException e = assertThrows(
                ConfigFormatException.class,
                () -> AutoencoderKLConfig.fromConfig(json("{\"latent_chanels\": 4, \"in_channels\": 3}")));
        assertEquals(
                "AutoencoderKL config: unknown key 'latent_chanels' (did you mean 'latent_channels'?)", e.getMessage());
        e = assertThrows(
                ConfigFormatException.class, () -> AutoencoderKLConfig.fromConfig(json("{\"colour_mode\": \"rgb\"}")));
        assertTrue(
                e.getMessage().startsWith("AutoencoderKL config: unknown key 'colour_mode' (known keys: "),
                e.getMessage());
    }

    @Test
    void autoencoderTinyConfigsAreStrictToo() throws IOException {
        String taesd = """
                {"_class_name": "AutoencoderTiny", "_diffusers_version": "0.20.0.dev0", "act_fn": "relu",
                 "decoder_block_out_channels": [64, 64, 64, 64], "encoder_block_out_channels": [64, 64, 64, 64],
                 "force_upcast": false, "in_channels": 3, "latent_channels": 4, "latent_magnitude": 3,
                 "latent_shift": 0.5, "num_decoder_blocks": [3, 3, 3, 1], "num_encoder_blocks": [1, 3, 3, 3],
                 "out_channels": 3, "scaling_factor": 1.0, "upsampling_scaling_factor": 2}""";
        AutoencoderTinyConfig config = AutoencoderTinyConfig.fromConfig(json(taesd));
        assertEquals(config, AutoencoderTinyConfig.fromConfig(config.toConfig()));
        ConfigFormatException e = assertThrows(
                ConfigFormatException.class,
                () -> AutoencoderTinyConfig.fromConfig(json(taesd.replace("\"latent_shift\"", "\"latent_shfit\""))));
        assertEquals(
                "AutoencoderTiny config: unknown key 'latent_shfit' (did you mean 'latent_shift'?)", e.getMessage());
    }

    @Test
    void suggestionsNeedAClosePair() {
        List<String> known = List.of("latent_channels", "in_channels", "out_channels", "steps");
        assertEquals(Optional.of("latent_channels"), ConfigKeys.closest("latent_chanels", known));
        assertEquals(Optional.of("steps"), ConfigKeys.closest("stpes", known));
        assertEquals(Optional.empty(), ConfigKeys.closest("xyz", known));
    }
}
