package dev.vae4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.tiny.AutoencoderTinyConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link AutoencoderKLConfig#builder} and {@link ArchitectureOptions#builder()}: the defaults are diffusers' (a
 * config.json that leaves keys out), {@code toBuilder().build()} is the identity on every preset (of
 * {@link AutoencoderTinyConfig} too), setters land and {@code build()} validates like the constructor.
 */
class ConfigBuildersTest {
    @Test
    void builderDefaultsAreThoseOfAConfigJsonThatLeavesKeysOut() throws Exception {
        ModelConfig json =
                ModelConfig.parse("{\"block_out_channels\": [32, 64], \"latent_channels\": 8, \"down_block_types\": "
                        + "[\"DownEncoderBlock2D\", \"DownEncoderBlock2D\"], \"up_block_types\": "
                        + "[\"UpDecoderBlock2D\", \"UpDecoderBlock2D\"]}");
        assertEquals(
                AutoencoderKLConfig.fromConfig(json),
                AutoencoderKLConfig.builder(List.of(32, 64), 8).build());
        assertEquals(
                ArchitectureOptions.DIFFUSERS, ArchitectureOptions.builder().build());
    }

    @Test
    void toBuilderKeepsEveryPreset() {
        for (String name : AutoencoderKLConfig.presetNames()) {
            AutoencoderKLConfig preset = AutoencoderKLConfig.preset(name);
            assertEquals(preset, preset.toBuilder().build(), name);
            assertEquals(preset.options(), preset.options().toBuilder().build(), name);
        }
        AutoencoderTinyConfig.presets()
                .forEach((name, preset) ->
                        assertEquals(preset, preset.toBuilder().build(), name));
    }

    @Test
    void settersLandAndBlockTypesFollowTheLevels() {
        AutoencoderKLConfig config = AutoencoderKLConfig.preset("sd").toBuilder()
                .blockOutChannels(List.of(16, 32, 64))
                .latentChannels(16)
                .normNumGroups(8)
                .scaling(0.5, 0.1)
                .quantConvs(false)
                .midBlockAddAttention(false)
                .options(ArchitectureOptions.builder()
                        .latentSampling(ArchitectureOptions.LatentSampling.MULTIPLICATIVE)
                        .latentNoiseStd(0.2)
                        .build())
                .build();
        assertEquals(3, config.downBlockTypes().size());
        assertEquals(3, config.upBlockTypes().size());
        assertEquals(16, config.latentChannels());
        assertEquals(0.1, config.shiftFactor());
        assertEquals(false, config.useQuantConv() || config.usePostQuantConv() || config.midBlockAddAttention());
        assertEquals(0.2, config.options().latentNoiseStd());
        assertEquals(2, config.layersPerBlock(), "kept from the preset");
    }

    @Test
    void buildValidatesLikeTheConstructor() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> AutoencoderKLConfig.builder(List.of(30), 4)
                        .normNumGroups(8)
                        .build());
        assertTrue(e.getMessage().contains("norm_num_groups"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> AutoencoderKLConfig.builder(List.of(), 4).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ArchitectureOptions.builder().attentionHeadDim(0).build());
    }
}
