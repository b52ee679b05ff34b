package dev.vae4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The variant keys of {@link AutoencoderKLConfig}: written only when set, read back unchanged, and impossible
 * combinations rejected with an error naming the field and the value.
 */
class ArchitectureOptionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(
            strings = {
                "vqgan_training/ae",
                "pytorch_diffusion/avg_nearest",
                "pytorch_diffusion/max_bicubic",
                "pytorch_diffusion/avg_bilinear"
            })
    void variantConfigsRoundTripWithTheirExtraFields(String name) throws IOException {
        Path file = Fixtures.dir(name).resolve("config.json");
        AutoencoderKLConfig config = AutoencoderKLConfig.read(file);
        assertEquals(ModelConfig.read(file), config.toConfig());
        assertTrue(config.extras().isEmpty(), "variant keys are modelled, not extras: " + config.extras());
    }

    @ParameterizedTest
    @ValueSource(strings = {"vqgan-training-f8c16", "linear-attention-f8c4"})
    void seedPresetsSurviveWriteAndRead(String preset, @TempDir Path dir) {
        AutoencoderKLConfig config = AutoencoderKLConfig.preset(preset);
        config.write(dir.resolve("config.json"));
        assertEquals(config, AutoencoderKLConfig.read(dir.resolve("config.json")));
        assertTrue(Autoencoders.preset(preset).has("latent_sampling") || preset.equals("linear-attention-f8c4"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sd", "sdxl", "sd3", "flux"})
    void diffusersPresetsWriteNoVariantKey(String preset) {
        ModelConfig json = AutoencoderKLConfig.preset(preset).toConfig();
        for (String key : ArchitectureOptions.KEYS) {
            assertFalse(json.has(key), preset + " writes " + key);
        }
    }

    @Test
    void linearAttentionPresetIsTheF8ConfigOfVaeF8Json() {
        AutoencoderKLConfig config = AutoencoderKLConfig.preset("linear-attention-f8c4");
        ArchitectureOptions options = config.options();
        assertEquals(java.util.List.of(8, 16, 32, 64), config.blockOutChannels());
        assertEquals(8, config.downsamplingFactor());
        assertEquals(ArchitectureOptions.DownsampleKind.AVG_POOL, options.downsample());
        assertEquals(ArchitectureOptions.OutputActivation.TANH, options.outputActivation());
        assertEquals(1e-7, options.normEps());
        assertEquals(1, options.linearAttentionHeads());
        assertEquals(16, options.attentionHeadDim());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"block_out_channels\": [96], \"norm_num_groups\": 32, \"mid_block_attention_type\": \"multi_head\"}"
                        + "|attention_head_dim 64",
                "{\"block_out_channels\": [8, 16], \"norm_num_groups\": 4, \"down_block_attention\": [\"linear\"]}"
                        + "|down_block_attention has 1 entries",
                "{\"block_out_channels\": [8], \"norm_num_groups\": 4, \"downsample_type\": \"strided\"}"
                        + "|unknown downsample_type 'strided'",
                "{\"block_out_channels\": [8], \"norm_num_groups\": 4, \"upsample_type\": \"area\"}"
                        + "|unknown upsample_type 'area'",
                "{\"block_out_channels\": [8], \"norm_num_groups\": 4, \"down_block_attention\": [\"flash\"]}"
                        + "|unknown down_block_attention 'flash'",
                "{\"block_out_channels\": [8], \"norm_num_groups\": 4, \"block_layout\": \"post_activation\"}"
                        + "|downsample_type 'conv'",
                "{\"block_out_channels\": [8, 18], \"norm_num_groups\": 2, \"block_layout\": \"post_activation\","
                        + " \"downsample_type\": \"avg_pool\"}|block_out_channels entry 18",
                "{\"block_out_channels\": [8], \"norm_num_groups\": 4, \"latent_noise_std\": -1}|latent_noise_std",
                "{\"block_out_channels\": [8], \"norm_num_groups\": 4, \"mid_block_attention_type\": \"none\"}"
                        + "|mid_block_attention_type 'none'",
                "{\"block_out_channels\": [12], \"norm_num_groups\": 8}|norm_num_groups 8",
            })
    void impossibleCombinationsNameTheField(String json, String message) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(json);
        root.set(
                "down_block_types",
                JSON.valueToTree(java.util.Collections.nCopies(
                        root.get("block_out_channels").size(), "DownEncoderBlock2D")));
        root.set(
                "up_block_types",
                JSON.valueToTree(java.util.Collections.nCopies(
                        root.get("block_out_channels").size(), "UpDecoderBlock2D")));
        ConfigFormatException error = assertThrows(
                ConfigFormatException.class, () -> AutoencoderKLConfig.fromConfig(ModelConfig.parse(root.toString())));
        assertTrue(error.getMessage().contains(message), error.getMessage());
    }
}
