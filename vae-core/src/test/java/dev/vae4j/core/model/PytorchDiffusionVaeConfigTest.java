package dev.vae4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.ArchitectureOptions.AttentionKind;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * pytorch-diffusion training configs read as {@code set_VAEModel} reads them: each fixture case's
 * {@code upstream_config.json} ({@code gen_pytorch_diffusion.py}, checked there to build the case's {@code VAE}) gives
 * the case's vae4j config, the fields of {@code configs/vae_f8.json} give the {@code linear-attention-f8c4} preset, and
 * models vae4j does not build are refused naming the key.
 */
class PytorchDiffusionVaeConfigTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"avg_nearest", "max_bicubic", "avg_bilinear"})
    void fixtureTrainingConfigsReadAsTheCaseConfigs(String name) {
        Path dir = Fixtures.dir("pytorch_diffusion/" + name);
        assertTrue(PytorchDiffusionVaeConfig.isTrainingConfig(dir.resolve("upstream_config.json")));
        assertFalse(PytorchDiffusionVaeConfig.isTrainingConfig(dir.resolve("config.json")));
        assertEquals(
                AutoencoderKLConfig.read(dir.resolve("config.json")),
                PytorchDiffusionVaeConfig.read(dir.resolve("upstream_config.json")));
    }

    /** The model block of vae_f8.json (its values and its trailing commas; keys set_VAEModel ignores included). */
    private Path vaeF8(String extra) throws IOException {
        Path file = tmp.resolve("vae_f8.json");
        Files.writeString(file, """
                {"model": {"name": "x", "load_name": "", "img_ch": 3, "enc_init_channels": 8, "latent_dim": 4,
                  "ch_mult": [1, 2, 4, 8], "group_norm": 4, "resnet_stacks": 2, "embed_dim": null,
                  "down_mode": "avg", "down_kern": 2, "down_attn": [0, 1, 2, 3], "up_mode": "nearest",
                  "up_scale": 2, "up_attn": [0, 1, 2, 3], "attn_heads": 1, "attn_dim": 16, "eps": 1e-7,
                  "scaling_factor": 0.18215, "dec_tanh_out": true %s},
                 "dataset": {"image_size": 512, "img_resize": true, "location": "/path",},
                 "training": {"fp16": "bf16"}}
                """.formatted(extra));
        return file;
    }

    @Test
    void vaeF8JsonIsTheLinearAttentionPreset() throws IOException {
        assertEquals(AutoencoderKLConfig.preset("linear-attention-f8c4"), PytorchDiffusionVaeConfig.read(vaeF8("")));
    }

    @Test
    void aLevelWhoseChannelCountIsListedHasAttentionAsUpstream() {
        AutoencoderKLConfig config = PytorchDiffusionVaeConfig.fromModelBlock(ModelConfig.parse(
                "{\"enc_init_channels\": 8, \"ch_mult\": [1, 2], \"grnorm_groups\": 2, \"down_attn\": [8],"
                        + " \"up_attn\": [1]}"));
        assertEquals(
                List.of(AttentionKind.LINEAR, AttentionKind.LINEAR),
                config.options().downBlockAttention());
        assertEquals(
                List.of(AttentionKind.NONE, AttentionKind.LINEAR),
                config.options().upBlockAttention());
        assertEquals(4, config.options().linearAttentionHeads());
        assertEquals(32, config.options().attentionHeadDim());
        assertEquals(
                ArchitectureOptions.DownsampleKind.MAX_POOL, config.options().downsample());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                ", \"down_mode\": \"conv\"|down_mode 'conv' is not supported",
                ", \"up_mode\": \"conv\"|up_mode 'conv' is not supported",
                ", \"embed_dim\": 8|embed_dim 8 differs from latent_dim 4",
                ", \"down_kern\": 4|down_kern must be 2, got 4",
            })
    void modelsVae4jDoesNotBuildAreRefusedNamingTheKey(String extra, String message) throws IOException {
        // appended after the block's own keys: Jackson keeps the last value of a repeated key, as Python's json does
        Path file = vaeF8(extra);
        ConfigFormatException e = assertThrows(ConfigFormatException.class, () -> PytorchDiffusionVaeConfig.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void aFileWithoutAModelBlockIsRefused() throws IOException {
        Path file = tmp.resolve("other.json");
        Files.writeString(file, "{\"training\": {}}");
        assertFalse(PytorchDiffusionVaeConfig.isTrainingConfig(file));
        ConfigFormatException e = assertThrows(ConfigFormatException.class, () -> PytorchDiffusionVaeConfig.read(file));
        assertTrue(e.getMessage().contains("no pytorch-diffusion model block"), e.getMessage());
    }
}
