package dev.vae4j.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.vae4j.core.model.ConfigEnums;
import java.util.List;

/**
 * Learning-rate multiplier as a pure function of the optimizer step (so resuming needs no scheduler state):
 * {@code constant} (after a linear warm-up), {@code cosine} (warm-up, then half-cosine to {@code minFactor}),
 * {@code onecycle} (PyTorch's {@code OneCycleLR} with {@code anneal_strategy='cos'} and no momentum cycling: cosine
 * rise from {@code 1/div_factor} to the peak at step {@code pct_start * total - 1}, then cosine down to
 * {@code 1/(div_factor * final_div_factor)} at the last step, or with {@code three_phase} back to {@code 1/div_factor}
 * at step {@code 2 pct_start total - 2} first) and {@code multistep} (times {@code gamma} at each milestone).
 *
 * @param type the schedule's shape (recipe spelling {@code constant}, {@code cosine}, {@code onecycle} or
 *     {@code multistep})
 * @param warmupSteps linear warm-up length in steps (0: none); for {@code onecycle}, absent {@code pct_start}, the rise
 *     is {@code warmupSteps / total} of the run
 * @param minFactor cosine floor as a fraction of the peak
 * @param milestones multistep milestones (steps)
 * @param gamma multistep decay per milestone
 * @param pctStart {@code onecycle}: fraction of the run spent rising, in (0, 1] (null: {@code warmupSteps / total}, or
 *     PyTorch's 0.3 without warm-up steps)
 * @param divFactor {@code onecycle}: peak / initial rate, > 0 (null: PyTorch's 25)
 * @param finalDivFactor {@code onecycle}: initial / final rate, > 0 (null: PyTorch's 1e4)
 * @param threePhase {@code onecycle}: PyTorch's {@code three_phase} (null: false)
 */
public record LearningRateSchedule(
        @JsonProperty("type") Shape type,
        @JsonProperty("warmup_steps") long warmupSteps,
        @JsonProperty("min_factor") double minFactor,
        @JsonProperty("milestones") List<Long> milestones,
        @JsonProperty("gamma") double gamma,
        @JsonProperty("pct_start") Double pctStart,
        @JsonProperty("div_factor") Double divFactor,
        @JsonProperty("final_div_factor") Double finalDivFactor,
        @JsonProperty("three_phase") Boolean threePhase) {

    /**
     * Validates the schedule.
     *
     * @throws IllegalArgumentException naming a value out of range, or a one-cycle key given to another shape
     */
    public LearningRateSchedule {
        type = type == null ? Shape.CONSTANT : type;
        milestones = milestones == null ? List.of() : List.copyOf(milestones);
        if (warmupSteps < 0 || minFactor < 0 || minFactor > 1) {
            throw new IllegalArgumentException("invalid schedule: warmup " + warmupSteps + ", min factor " + minFactor);
        }
        if (type != Shape.ONECYCLE) {
            String given = pctStart != null
                    ? "pct_start"
                    : divFactor != null ? "div_factor" : finalDivFactor != null ? "final_div_factor" : null;
            given = given == null && threePhase != null ? "three_phase" : given;
            if (given != null) {
                throw new IllegalArgumentException(
                        "schedule key '" + given + "' applies only to type onecycle, not " + type);
            }
        }
        if (pctStart != null && !(pctStart > 0 && pctStart <= 1)) {
            throw new IllegalArgumentException("schedule pct_start must be in (0, 1], got " + pctStart);
        }
        if (divFactor != null && !(divFactor > 0 && Double.isFinite(divFactor))) {
            throw new IllegalArgumentException("schedule div_factor must be finite and > 0, got " + divFactor);
        }
        if (finalDivFactor != null && !(finalDivFactor > 0 && Double.isFinite(finalDivFactor))) {
            throw new IllegalArgumentException(
                    "schedule final_div_factor must be finite and > 0, got " + finalDivFactor);
        }
    }

    /** A schedule without the one-cycle keys. */
    public LearningRateSchedule(Shape type, long warmupSteps, double minFactor, List<Long> milestones, double gamma) {
        this(type, warmupSteps, minFactor, milestones, gamma, null, null, null, null);
    }

    /**
     * PyTorch's {@code OneCycleLR(max_lr = peak, pct_start, anneal_strategy='cos', div_factor, final_div_factor,
     * three_phase, cycle_momentum=False)}.
     */
    public static LearningRateSchedule oneCycle(
            double pctStart, double divFactor, double finalDivFactor, boolean threePhase) {
        return new LearningRateSchedule(
                Shape.ONECYCLE, 0, 0.0, List.of(), 1.0, pctStart, divFactor, finalDivFactor, threePhase);
    }

    /** A constant rate after {@code warmupSteps} of linear warm-up. */
    public static LearningRateSchedule constant(long warmupSteps) {
        return new LearningRateSchedule(Shape.CONSTANT, warmupSteps, 0.0, List.of(), 1.0);
    }

    /** The multiplier of the peak rate at {@code step} (0-based) of a {@code totalSteps}-step run. */
    public double factor(long step, long totalSteps) {
        double warm = warmupSteps > 0 ? Math.min(1.0, (step + 1) / (double) warmupSteps) : 1.0;
        switch (type) {
            case COSINE: {
                if (step < warmupSteps) {
                    return warm;
                }
                double progress = Math.min(1.0, (step - warmupSteps) / (double) Math.max(1, totalSteps - warmupSteps));
                return minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * progress));
            }
            case ONECYCLE:
                return oneCycleFactor(step, totalSteps);
            case MULTISTEP: {
                double factor = warm;
                for (long milestone : milestones) {
                    if (step >= milestone) {
                        factor *= gamma;
                    }
                }
                return factor;
            }
            default: // CONSTANT
                return warm;
        }
    }

    /** PyTorch {@code OneCycleLR.get_lr}'s phases and cosine anneal, as multipliers of the peak rate. */
    private double oneCycleFactor(long step, long totalSteps) {
        double pct =
                pctStart != null ? pctStart : warmupSteps > 0 ? Math.min(1.0, warmupSteps / (double) totalSteps) : 0.3;
        double initial = 1.0 / (divFactor == null ? 25.0 : divFactor);
        double last = initial / (finalDivFactor == null ? 1e4 : finalDivFactor);
        double[] ends;
        double[][] rates;
        if (threePhase != null && threePhase) {
            ends = new double[] {pct * totalSteps - 1, 2 * pct * totalSteps - 2, totalSteps - 1};
            rates = new double[][] {{initial, 1.0}, {1.0, initial}, {initial, last}};
        } else {
            ends = new double[] {pct * totalSteps - 1, totalSteps - 1};
            rates = new double[][] {{initial, 1.0}, {1.0, last}};
        }
        double at = Math.min(step, totalSteps);
        double start = 0;
        int phase = 0;
        while (phase < ends.length - 1 && at > ends[phase]) {
            start = ends[phase];
            phase++;
        }
        double span = ends[phase] - start;
        // a phase of zero length (pct_start * total = 1, where PyTorch divides by zero) is at its end at once
        double progress = span > 0 ? (at - start) / span : 1.0;
        double from = rates[phase][0];
        double to = rates[phase][1];
        return to + (from - to) / 2.0 * (Math.cos(Math.PI * progress) + 1);
    }

    /**
     * The shape of a schedule: recipe spelling {@code constant}, {@code cosine}, {@code onecycle} or {@code multistep}.
     */
    public enum Shape {
        /** Linear warm-up, then the peak rate. */
        CONSTANT,
        /** Linear warm-up, then half-cosine to {@code minFactor}. */
        COSINE,
        /** PyTorch's OneCycleLR (cosine anneal): rise from 1/div_factor, then down to 1/final_div_factor of that. */
        ONECYCLE,
        /** Linear warm-up, then times {@code gamma} at each milestone. */
        MULTISTEP;

        /** Parses a schedule name (case-insensitive). */
        @JsonCreator
        public static Shape parse(String text) {
            return ConfigEnums.parse(Shape.class, text, "learning-rate schedule");
        }

        /** The recipe spelling. */
        @JsonValue
        @Override
        public String toString() {
            return ConfigEnums.lowerCase(this);
        }
    }
}
