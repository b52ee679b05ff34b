package dev.vae4j.diffusion;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What a discrete-time denoiser predicts, spelled as diffusers' {@code prediction_type}: the noise {@code epsilon}, the
 * velocity {@code v = sqrt(ab) eps - sqrt(1 - ab) x0} ({@code v_prediction}) or the clean latents x0 ({@code sample});
 * {@code ab} is the schedule's alphas_cumprod at the timestep.
 */
public enum PredictionType {
    /** The noise added to x0. */
    EPSILON("epsilon"),
    /** The velocity {@code sqrt(ab) eps - sqrt(1 - ab) x0}, as diffusers' {@code DDPMScheduler.get_velocity}. */
    V_PREDICTION("v_prediction"),
    /** The clean latents x0. */
    SAMPLE("sample");

    private final String configName;

    PredictionType(String configName) {
        this.configName = configName;
    }

    /** The name in a diffusers scheduler config ({@code "epsilon"}, {@code "v_prediction"}, {@code "sample"}). */
    public String configName() {
        return configName;
    }

    /**
     * The prediction type of a diffusers config name.
     *
     * @throws IllegalArgumentException for any other name, listing the accepted ones
     */
    public static PredictionType fromConfigName(String name) {
        for (PredictionType type : values()) {
            if (type.configName.equals(name)) {
                return type;
            }
        }
        throw new IllegalArgumentException("prediction_type '" + name + "' is not one of "
                + Arrays.stream(values()).map(PredictionType::configName).collect(Collectors.joining(", ")));
    }
}
