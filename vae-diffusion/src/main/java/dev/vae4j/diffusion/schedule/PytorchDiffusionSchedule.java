package dev.vae4j.diffusion.schedule;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The noise schedules of stanipov/pytorch-diffusion's {@code get_betas} ({@code src/models/noise_schedulers.py}), all
 * computed in float32 with {@code timesteps} betas.
 */
public enum PytorchDiffusionSchedule {
    /**
     * {@code cosine_beta_schedule(T, s)}: alpha-bar {@code cos(((x / T) + s) / (1 + s) * pi / 2) ** 2} on
     * {@code linspace(0, T, T + 1)}, normalised by its first value, betas clipped to [0.0001, 0.9999].
     */
    COSINE,
    /** {@code linspace(beta_start, beta_end, T)}. */
    LINEAR,
    /** {@code linspace(beta_start ** 0.5, beta_end ** 0.5, T) ** 2} (diffusers' {@code scaled_linear}). */
    QUADRATIC,
    /** {@code sigmoid(linspace(-6, 6, T)) * (beta_end - beta_start) + beta_start}. */
    SIGMOID;

    /**
     * The schedule a {@code noise_kw["type"]} value selects: as {@code get_betas} does, the first of cosine, linear,
     * quadratic, sigmoid that the type contains ({@code "scaled_linear"} selects linear).
     *
     * @throws IllegalArgumentException when the type contains none of them
     */
    public static PytorchDiffusionSchedule forType(String type) {
        for (PytorchDiffusionSchedule schedule : values()) {
            if (type != null && type.contains(schedule.typeName())) {
                return schedule;
            }
        }
        throw new IllegalArgumentException("pytorch-diffusion noise type '" + type + "' is not recognised; supported: "
                + Arrays.stream(values())
                        .map(PytorchDiffusionSchedule::typeName)
                        .collect(Collectors.joining(", ")));
    }

    /** The name in pytorch-diffusion's config ({@code "cosine"}). */
    public String typeName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
