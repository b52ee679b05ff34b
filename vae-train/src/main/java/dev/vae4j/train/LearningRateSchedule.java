package dev.vae4j.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.vae4j.core.model.ConfigEnums;
import java.util.List;

/**
 * Learning-rate multiplier as a pure function of the optimizer step (so resuming needs no scheduler state):
 * {@code constant} (after a linear warm-up), {@code cosine} (warm-up, then half-cosine to {@code minFactor}),
 * {@code onecycle} (linear rise over {@code warmupSteps} from 1/25, then cosine to 1/1e4 as in PyTorch's OneCycleLR
 * defaults) and {@code multistep} (times {@code gamma} at each milestone).
 *
 * @param type the schedule's shape (recipe spelling {@code constant}, {@code cosine}, {@code onecycle} or
 *     {@code multistep})
 * @param warmupSteps linear warm-up length in steps (0: none)
 * @param minFactor cosine floor as a fraction of the peak
 * @param milestones multistep milestones (steps)
 * @param gamma multistep decay per milestone
 */
public record LearningRateSchedule(
        @JsonProperty("type") Shape type,
        @JsonProperty("warmup_steps") long warmupSteps,
        @JsonProperty("min_factor") double minFactor,
        @JsonProperty("milestones") List<Long> milestones,
        @JsonProperty("gamma") double gamma) {

    /** Validates the schedule. */
    public LearningRateSchedule {
        type = type == null ? Shape.CONSTANT : type;
        milestones = milestones == null ? List.of() : List.copyOf(milestones);
        if (warmupSteps < 0 || minFactor < 0 || minFactor > 1) {
            throw new IllegalArgumentException("invalid schedule: warmup " + warmupSteps + ", min factor " + minFactor);
        }
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
            case ONECYCLE: {
                double initial = 1.0 / 25;
                double last = initial / 1e4;
                long rise = Math.max(1, warmupSteps > 0 ? warmupSteps : (long) (0.3 * totalSteps));
                if (step < rise) {
                    return initial + (1 - initial) * step / (double) rise;
                }
                double progress = Math.min(1.0, (step - rise) / (double) Math.max(1, totalSteps - rise));
                return last + (1 - last) * 0.5 * (1 + Math.cos(Math.PI * progress));
            }
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

    /**
     * The shape of a schedule: recipe spelling {@code constant}, {@code cosine}, {@code onecycle} or {@code multistep}.
     */
    public enum Shape {
        /** Linear warm-up, then the peak rate. */
        CONSTANT,
        /** Linear warm-up, then half-cosine to {@code minFactor}. */
        COSINE,
        /** PyTorch OneCycleLR's defaults: linear rise from 1/25, then cosine to 1/1e4 of that. */
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
