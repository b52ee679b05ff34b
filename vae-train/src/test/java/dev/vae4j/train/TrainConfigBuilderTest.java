package dev.vae4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vae4j.core.tensor.Precision;
import org.junit.jupiter.api.Test;

/** {@link TrainConfig.Builder}: its defaults are the record's (a recipe that leaves keys out), setters land. */
class TrainConfigBuilderTest {
    private static final OptimizerSettings ADAM = OptimizerSettings.adam(1e-4, 0.5, 0.9);

    @Test
    void defaultsAreTheDefaultsOfARecipeThatLeavesKeysOut() {
        TrainConfig leftOut = new TrainConfig(
                10, 2, 0, 0, ADAM, null, null, 0, 0, 0, false, null, null, 0, 0, 0, 0, null, 0, 0, false);
        assertEquals(leftOut, TrainConfig.builder(10, 2, ADAM).build());
    }

    @Test
    void everySetterLandsInItsComponent() {
        OptimizerSettings disc = OptimizerSettings.adam(2e-4, 0.0, 0.99);
        LearningRateSchedule schedule = LearningRateSchedule.constant(5);
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
                        true),
                built);
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
