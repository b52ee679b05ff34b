package dev.vae4j.dwt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link LiteVaeConfig#toBuilder()}: the identity on every preset, setters land, {@code build()} validates. */
class LiteVaeConfigBuilderTest {
    @Test
    void toBuilderKeepsEveryPreset() {
        for (String name : LiteVaeConfig.presetNames()) {
            LiteVaeConfig preset = LiteVaeConfig.preset(name);
            assertEquals(preset, preset.toBuilder().build(), name);
        }
    }

    @Test
    void settersLandAndBuildValidates() {
        LiteVaeConfig small = LiteVaeConfig.preset("open-s").toBuilder()
                .latentChannels(4)
                .waveletLevels(2)
                .decoderMult(List.of(1, 2, 2))
                .decoderChannels(32)
                .build();
        assertEquals(4, small.latentChannels());
        assertEquals(4, small.downsamplingFactor());
        assertEquals(32, small.decoderChannels());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> LiteVaeConfig.preset("open-s").toBuilder()
                        .waveletLevels(2)
                        .build());
        assertTrue(e.getMessage().contains("decoder_mult"), e.getMessage());
    }
}
