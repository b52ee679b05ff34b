package dev.vae4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.model.ConfigEnums;
import dev.vae4j.core.tensor.Precision;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The training configuration's enums: each parses its recipe spelling, prints back to it, and an unknown spelling names
 * the valid ones; a {@link TrainConfig} written as JSON reads back equal with the same strings in the file.
 */
class ConfigEnumsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void spellingsParseAndPrintBack() {
        for (TrainConfig.GanUpdates value : TrainConfig.GanUpdates.values()) {
            assertEquals(value, TrainConfig.GanUpdates.parse(value.toString().toUpperCase()));
        }
        assertEquals(
                List.of("both", "alternate"),
                List.of(TrainConfig.GanUpdates.BOTH.toString(), TrainConfig.GanUpdates.ALTERNATE.toString()));
        assertEquals(OptimizerSettings.Algorithm.ADAMW, OptimizerSettings.Algorithm.parse(" AdamW "));
        assertEquals("onecycle", LearningRateSchedule.Shape.parse("onecycle").toString());
    }

    @Test
    void anUnknownSpellingListsTheValidOnes() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.Shape.parse("linear"));
        assertEquals(
                "learning-rate schedule: unknown value 'linear' (one of constant, cosine, onecycle, multistep)",
                e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> ConfigEnums.parse(OptimizerSettings.Algorithm.class, null, "optimizer type"));
        assertTrue(e.getMessage().contains("(one of adam, adamw)"), e.getMessage());
    }

    @Test
    void aConfigRoundTripsThroughJsonWithItsRecipeSpellings() throws Exception {
        TrainConfig config = TrainConfig.builder(
                        100, 4, new OptimizerSettings(OptimizerSettings.Algorithm.ADAMW, 1e-4, 0.5, 0.9, 1e-8, 0.01))
                .schedule(new LearningRateSchedule(LearningRateSchedule.Shape.MULTISTEP, 0, 0, List.of(50L), 0.5))
                .precision(Precision.BF16)
                .ganUpdates(TrainConfig.GanUpdates.ALTERNATE)
                .build();
        JsonNode tree = JSON.valueToTree(config);
        assertEquals("bf16", tree.get("precision").asText());
        assertEquals("alternate", tree.get("gan_updates").asText());
        assertEquals("adamw", tree.get("generator_optimizer").get("type").asText());
        assertEquals("multistep", tree.get("schedule").get("type").asText());
        assertEquals(config, JSON.treeToValue(tree, TrainConfig.class));
    }

    @Test
    void float16TrainingIsRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> TrainConfig.builder(10, 2, OptimizerSettings.adam(1e-4, 0.5, 0.9))
                        .precision(Precision.FP16)
                        .build());
        assertTrue(e.getMessage().contains("loss scaling"), e.getMessage());
    }
}
