package dev.vae4j.discriminators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link GigaGanConfig#toBuilder()}: the identity on the preset, setters land, {@code build()} validates. */
class GigaGanConfigTest {
    @Test
    void toBuilderKeepsThePresetAndSettersLand() {
        GigaGanConfig preset = GigaGanConfig.openLiteVae();
        assertEquals(preset, preset.toBuilder().build());
        GigaGanConfig small = preset.toBuilder()
                .imageSize(64)
                .baseChannels(512)
                .maxChannels(32)
                .attentionResolutions(Set.of(8))
                .headDim(16)
                .build();
        assertEquals(new GigaGanConfig(3, 64, 512, 32, 1, 4, Set.of(8), 16, 0.5), small);
        assertThrows(
                IllegalArgumentException.class,
                () -> preset.toBuilder().imageSize(48).build());
    }
}
