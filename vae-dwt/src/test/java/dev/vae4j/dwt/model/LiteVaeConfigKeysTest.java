package dev.vae4j.dwt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.core.model.ModelConfig;
import org.junit.jupiter.api.Test;

/** LiteVAE config keys are strict like AutoencoderKL's; diffusers' bookkeeping keys are accepted. */
class LiteVaeConfigKeysTest {
    @Test
    void aTypoIsNamedWithTheClosestKey() {
        LiteVaeConfig preset = LiteVaeConfig.preset(LiteVaeConfig.presetNames().get(0));
        ModelConfig json = preset.toConfig().with("_name_or_path", "runs/litevae/model");
        assertEquals(preset, LiteVaeConfig.fromConfig(json));
        ModelConfig typo = json.with("extractor_chanels", preset.extractorChannels());
        ConfigFormatException e = assertThrows(ConfigFormatException.class, () -> LiteVaeConfig.fromConfig(typo));
        assertEquals(
                "LiteVAE config: unknown key 'extractor_chanels' (did you mean 'extractor_channels'?)", e.getMessage());
    }
}
