package dev.vae4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code onecycle} schedule is PyTorch's {@code OneCycleLR} (anneal 'cos', {@code cycle_momentum=False}): the
 * expected multipliers are {@code optimizer.param_groups[0]['lr']} before each {@code scheduler.step()} of
 * {@code OneCycleLR(AdamW([p], lr=1), max_lr=1, total_steps=N, ...)} under torch 2.10.0, to 1e-12.
 */
class OneCycleScheduleTest {
    private static final double TOLERANCE = 1e-12;

    @Test
    void threePhaseMatchesPyTorch() {
        // pct_start 0.45, div_factor 8, final_div_factor 16, three_phase: pytorch-diffusion's configs/vae_f8.json
        double[] torch = {
            0.125, 0.158302704526312, 0.2531407832308855, 0.3950759983402732, 0.5625, 0.7299240016597268,
            0.8718592167691145, 0.966697295473688, 1.0, 0.966697295473688, 0.8718592167691145, 0.7299240016597268,
            0.5625, 0.39507599834027324, 0.2531407832308855, 0.15830270452631207, 0.125, 0.095703125,
            0.037109375000000014, 0.0078125
        };
        LearningRateSchedule schedule = LearningRateSchedule.oneCycle(0.45, 8.0, 16.0, true);
        for (int step = 0; step < torch.length; step++) {
            assertEquals(torch[step], schedule.factor(step, torch.length), TOLERANCE, "step " + step);
        }
    }

    @Test
    void defaultsArePyTorchsDefaults() {
        // pct_start 0.3, div_factor 25, final_div_factor 1e4, two phases
        double[] torch = {
            0.040000000000000036,
            0.52,
            1.0,
            0.9504846320134737,
            0.8117456539497631,
            0.6112620219362893,
            0.38874197806371075,
            0.18825834605023697,
            0.049519367986526286,
            4e-06
        };
        LearningRateSchedule schedule =
                new LearningRateSchedule(LearningRateSchedule.Shape.ONECYCLE, 0, 0.0, List.of(), 1.0);
        for (int step = 0; step < torch.length; step++) {
            assertEquals(torch[step], schedule.factor(step, torch.length), TOLERANCE, "step " + step);
        }
    }

    @Test
    void warmupStepsSetTheRiseWithoutPctStart() {
        LearningRateSchedule byWarmup =
                new LearningRateSchedule(LearningRateSchedule.Shape.ONECYCLE, 3, 0.0, List.of(), 1.0);
        LearningRateSchedule byPct = LearningRateSchedule.oneCycle(0.3, 25.0, 1e4, false);
        for (int step = 0; step < 10; step++) {
            assertEquals(byPct.factor(step, 10), byWarmup.factor(step, 10), TOLERANCE);
        }
        assertEquals(1.0, byWarmup.factor(2, 10), TOLERANCE);
    }

    @Test
    void aRiseOfOneStepStartsAtThePeakInsteadOfDividingByZero() {
        LearningRateSchedule schedule = LearningRateSchedule.oneCycle(0.1, 25.0, 1e4, false);
        assertEquals(1.0, schedule.factor(0, 10), TOLERANCE);
        for (int step = 1; step < 10; step++) {
            double f = schedule.factor(step, 10);
            assertTrue(f > 0 && f < 1, "step " + step + ": " + f);
        }
    }

    @Test
    void oneCycleKeysAreRefusedByNameForOtherShapesAndRangesChecked() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new LearningRateSchedule(
                        LearningRateSchedule.Shape.COSINE, 0, 0.0, List.of(), 1.0, null, 8.0, null, null));
        assertEquals("schedule key 'div_factor' applies only to type onecycle, not cosine", e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> new LearningRateSchedule(
                        LearningRateSchedule.Shape.CONSTANT, 0, 0.0, List.of(), 1.0, null, null, null, true));
        assertEquals("schedule key 'three_phase' applies only to type onecycle, not constant", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.oneCycle(1.5, 8, 16, true));
        assertEquals("schedule pct_start must be in (0, 1], got 1.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.oneCycle(0.3, 0, 16, true));
        assertEquals("schedule div_factor must be finite and > 0, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.oneCycle(0.3, 8, -1, true));
        assertEquals("schedule final_div_factor must be finite and > 0, got -1.0", e.getMessage());
    }
}
