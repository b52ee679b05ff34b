package dev.vae4j.diffusion.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.diffusion.unet.LatentUNetConfig.UpMode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link LatentUNetConfig} reads {@code unet_config} the way upstream's {@code set_unet} does, and rejects bad keys.
 */
class LatentUNetConfigTest {
    /** The values of {@code configs/LDM.json}'s {@code unet_config} (stanipov/pytorch-diffusion 705b007). */
    private static final String LDM_UNET_CONFIG = """
            {"comment": "Your comments", "name": "Subfolder name to store the training results", "img_size": 64,
             "in_channels": 4, "init_dim": 64, "dim_mults": [1, 2, 2, 4], "out_channels": 4, "down_mode": "max",
             "down_kern": 2, "up_mode": "nearest", "up_scale": 2, "time_dim": 256, "self_condition": false,
             "resnet_grnorm_groups": 32, "resnet_stacks": 2, "num_classes": 27, "attn_heads": 4, "attn_head_res": 32,
             "load_name": "if not empty, weights will be loaded from this path"}
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static LatentUNetConfig parse(String json) {
        return LatentUNetConfig.fromConfig(ModelConfig.parse(json));
    }

    @Test
    void ldmUnetConfigBuildsThePresetIgnoringDownModeAndNumClasses() {
        LatentUNetConfig read = parse(LDM_UNET_CONFIG);
        assertEquals(LatentUNetConfig.preset(LatentUNetConfig.LDM_PRESET), read);
        assertEquals(0, read.classes());
        assertEquals(2, read.downKernel());
        assertEquals(8, read.sizeMultiple());
    }

    @Test
    void absentKeysTakeSetUnetDefaults() {
        LatentUNetConfig read = parse("{\"img_size\": 16}");
        assertEquals(
                new LatentUNetConfig(
                        16, 3, 3, 16, List.of(1, 2, 4, 8), 64, false, 4, 2, 0, 2, UpMode.BILINEAR, 2, 4, 16),
                read);
        assertEquals(read, LatentUNetConfig.builder(16).build());
    }

    @Test
    void nullAndZeroFallBackLikeUnet() {
        LatentUNetConfig read = parse(
                "{\"img_size\": 8, \"in_channels\": 4, \"out_channels\": null, \"init_dim\": 0, \"time_dim\": null,"
                        + " \"dim_mults\": [1, 2], \"classes\": 0}");
        assertEquals(4, read.outChannels());
        assertEquals(8, read.initDim());
        assertEquals(32, read.timeDim());
        assertEquals(0, read.classes());
    }

    @Test
    void classesMayBeAOneElementList() {
        assertEquals(
                7,
                parse("{\"img_size\": 8, \"dim_mults\": [1], \"classes\": [7]}").classes());
        assertEquals(
                0,
                parse("{\"img_size\": 8, \"dim_mults\": [1], \"classes\": []}").classes());
        ConfigFormatException e = assertThrows(
                ConfigFormatException.class, () -> parse("{\"img_size\": 8, \"dim_mults\": [1], \"classes\": [3, 4]}"));
        assertTrue(e.getMessage().contains("classes [3, 4]"), e.getMessage());
    }

    @Test
    void writtenConfigReadsBackEqual(@TempDir Path dir) {
        LatentUNetConfig config = LatentUNetConfig.builder(8)
                .channels(4, 4)
                .initDim(4)
                .dimMults(List.of(1, 2))
                .classes(5)
                .selfCondition(true)
                .resnetGroups(2)
                .upMode(UpMode.CONV)
                .attention(2, 4)
                .build();
        Path file = dir.resolve("unet_config.json");
        config.write(file);
        assertEquals(config, LatentUNetConfig.read(file));
        assertEquals("\"avg\"", config.toConfig().fields("test").json("down_mode"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "'\"clases\": 5'|clases",
                "'\"img_size\": 7'|img_size 7",
                "'\"img_size\": 2'|img_size 2",
                "'\"resnet_grnorm_groups\": 3'|resnet_grnorm_groups 3",
                "'\"up_mode\": \"linear\"'|up_mode 'linear'",
                "'\"up_scale\": 3'|up_scale 3",
                "'\"down_kern\": 4, \"up_mode\": \"conv\"'|down_kern is 4",
                "'\"resnet_stacks\": \"two\"'|resnet_stacks",
                "'\"resnet_stacks\": 0'|resnet_stacks 0",
                "'\"dim_mults\": []'|dim_mults",
                "'\"classes\": -1'|classes -1",
                "'\"attn_heads\": 0'|attn_heads 0"
            })
    void badValuesNameTheKey(String entry, String expected) throws Exception {
        ModelConfig config = ModelConfig.parse(
                "{\"img_size\": 8, \"init_dim\": 8, \"resnet_grnorm_groups\": 2, \"dim_mults\": [1, 2]}");
        ModelConfig override = ModelConfig.parse("{" + entry + "}");
        for (String key : override.keys()) {
            config = config.with(key, JSON.readTree(override.fields("override").json(key)));
        }
        ModelConfig bad = config;
        ConfigFormatException e = assertThrows(ConfigFormatException.class, () -> LatentUNetConfig.fromConfig(bad));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void missingImgSizeIsNamed() {
        ConfigFormatException e = assertThrows(ConfigFormatException.class, () -> parse("{\"in_channels\": 4}"));
        assertTrue(e.getMessage().contains("img_size"), e.getMessage());
    }

    @Test
    void unknownPresetListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LatentUNetConfig.preset("ldm"));
        assertTrue(e.getMessage().contains(LatentUNetConfig.LDM_PRESET), e.getMessage());
    }
}
