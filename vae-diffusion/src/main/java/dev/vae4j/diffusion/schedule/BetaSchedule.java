package dev.vae4j.diffusion.schedule;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The {@code beta_schedule} values of diffusers' {@code DDPMScheduler} that vae4j implements ({@code laplace} is not
 * implemented; {@code DDIMScheduler} and {@code DPMSolverMultistepScheduler} accept the first three only).
 */
public enum BetaSchedule {
    /** {@code torch.linspace(beta_start, beta_end, T)} in float32. */
    LINEAR("linear"),
    /** {@code torch.linspace(beta_start ** 0.5, beta_end ** 0.5, T) ** 2} in float32 (Stable Diffusion's). */
    SCALED_LINEAR("scaled_linear"),
    /** {@code betas_for_alpha_bar}: the cosine alpha-bar of Nichol and Dhariwal in float64, betas capped at 0.999. */
    SQUAREDCOS_CAP_V2("squaredcos_cap_v2"),
    /** {@code sigmoid(linspace(-6, 6, T)) * (beta_end - beta_start) + beta_start} in float32. */
    SIGMOID("sigmoid");

    private final String configName;

    BetaSchedule(String configName) {
        this.configName = configName;
    }

    /** The name diffusers' scheduler {@code config.json} uses ({@code "scaled_linear"}). */
    public String configName() {
        return configName;
    }

    /**
     * The schedule a diffusers {@code beta_schedule} value names.
     *
     * @throws IllegalArgumentException for a name vae4j does not implement, listing the supported ones
     */
    public static BetaSchedule forName(String name) {
        for (BetaSchedule schedule : values()) {
            if (schedule.configName.equals(name)) {
                return schedule;
            }
        }
        throw new IllegalArgumentException("beta_schedule '" + name + "' is not supported; supported: "
                + Arrays.stream(values()).map(BetaSchedule::configName).collect(Collectors.joining(", ")));
    }
}
