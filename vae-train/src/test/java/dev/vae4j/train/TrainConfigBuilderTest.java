package dev.vae4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.tensor.Precision;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * {@link TrainConfig.Builder} is the one source of defaults: a recipe's {@code train:} section that leaves keys out is
 * read through it, {@link TrainConfig#toBuilder()} round-trips, setters land, and the record itself takes no 0 for a
 * default.
 */
class TrainConfigBuilderTest {
    private static final OptimizerSettings ADAM = OptimizerSettings.adam(1e-4, 0.5, 0.9);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aSectionThatLeavesKeysOutTakesTheBuilderDefaults() throws IOException {
        ObjectNode section = JSON.createObjectNode().put("steps", 10).put("batch_size", 2);
        section.set("generator_optimizer", JSON.valueToTree(ADAM));
        TrainConfig read = JSON.treeToValue(section, TrainConfig.class);
        assertEquals(TrainConfig.builder(10, 2, ADAM).build(), read);
        assertEquals(TrainConfig.DEFAULT_LOG_EVERY, read.logEvery());
        assertEquals(read, JSON.treeToValue(JSON.valueToTree(read), TrainConfig.class));
        section.put("log_evry", 3);
        assertThrows(IOException.class, () -> JSON.treeToValue(section, TrainConfig.class));
    }

    @Test
    void toBuilderRoundTripsAndChangesOnlyWhatIsSet() {
        TrainConfig config = TrainConfig.builder(100, 4, ADAM)
                .seed(7)
                .ema(0.999, 20)
                .logEvery(5)
                .build();
        assertEquals(config, config.toBuilder().build());
        TrainConfig longer = config.toBuilder().steps(200).build();
        assertEquals(200, longer.steps());
        assertEquals(config, longer.toBuilder().steps(100).build());
    }

    @Test
    void zeroIsRejectedRatherThanTakenForADefault() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new TrainConfig(
                        10,
                        2,
                        1,
                        0,
                        ADAM,
                        null,
                        LearningRateSchedule.constant(0),
                        0,
                        0,
                        0,
                        false,
                        Precision.FP32,
                        TrainConfig.GanUpdates.BOTH,
                        0,
                        10,
                        0,
                        2,
                        "cpu",
                        0,
                        0,
                        false,
                        null));
        assertTrue(e.getMessage().contains("log_every"), e.getMessage());
    }

    @Test
    void everySetterLandsInItsComponent() {
        OptimizerSettings disc = OptimizerSettings.adam(2e-4, 0.0, 0.99);
        LearningRateSchedule schedule = LearningRateSchedule.constant(5);
        LearningRateSchedule discSchedule = LearningRateSchedule.oneCycle(0.45, 4.0, 8.0, true);
        TrainConfig built = TrainConfig.builder(100, 4, ADAM)
                .gradAccumulation(3)
                .seed(7)
                .discriminator(disc)
                .schedule(schedule)
                .gradClip(1.5)
                .ema(0.999, 20)
                .decoderOnly(true)
                .precision(Precision.BF16)
                .ganUpdates(TrainConfig.GanUpdates.ALTERNATE)
                .discStart(50)
                .maxNonFinite(4)
                .checkpoints(25, 3)
                .device("cuda")
                .fixedVariance(0.1)
                .logEvery(5)
                .cudnnBenchmark(true)
                .discriminatorSchedule(discSchedule)
                .build();
        assertEquals(
                new TrainConfig(
                        100,
                        4,
                        3,
                        7,
                        ADAM,
                        disc,
                        schedule,
                        1.5,
                        0.999,
                        20,
                        true,
                        Precision.BF16,
                        TrainConfig.GanUpdates.ALTERNATE,
                        50,
                        4,
                        25,
                        3,
                        "cuda",
                        0.1,
                        5,
                        true,
                        discSchedule),
                built);
        assertEquals(discSchedule, built.discriminatorScheduleOrShared());
        assertEquals(
                schedule, built.toBuilder().discriminatorSchedule(null).build().discriminatorScheduleOrShared());
    }

    @Test
    void buildValidatesLikeTheConstructor() {
        assertThrows(
                IllegalArgumentException.class,
                () -> TrainConfig.builder(10, 2, ADAM).precision(Precision.FP16).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> TrainConfig.builder(0, 2, ADAM).build());
    }
}
