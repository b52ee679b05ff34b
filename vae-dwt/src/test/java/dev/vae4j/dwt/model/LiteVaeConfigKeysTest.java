package dev.vae4j.dwt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.model.ConfigFormatException;
import org.junit.jupiter.api.Test;

/** LiteVAE config keys are strict like AutoencoderKL's; diffusers' bookkeeping keys are accepted. */
class LiteVaeConfigKeysTest {
    @Test
    void aTypoIsNamedWithTheClosestKey() {
        LiteVaeConfig preset = LiteVaeConfig.preset(LiteVaeConfig.presetNames().get(0));
        ObjectNode json = preset.toJson();
        json.put("_name_or_path", "runs/litevae/model");
        assertEquals(preset, LiteVaeConfig.fromJson(json));
        json.set("extractor_chanels", json.get("extractor_channels"));
        ConfigFormatException e = assertThrows(ConfigFormatException.class, () -> LiteVaeConfig.fromJson(json));
        assertEquals(
                "LiteVAE config: unknown key 'extractor_chanels' (did you mean 'extractor_channels'?)", e.getMessage());
    }
}
