package dev.vae4j.diffusion.pipeline;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.model.ConfigFields;
import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.diffusion.PredictionType;
import dev.vae4j.diffusion.sampling.DdimSampler;
import dev.vae4j.diffusion.sampling.DdpmSampler;
import dev.vae4j.diffusion.sampling.DiffusersSchedulerOptions;
import dev.vae4j.diffusion.sampling.DpmSolverMultistepSampler;
import dev.vae4j.diffusion.sampling.NoiseSource;
import dev.vae4j.diffusion.sampling.Sampler;
import dev.vae4j.diffusion.sampling.SamplerKind;
import dev.vae4j.diffusion.sampling.TimestepSpacing;
import dev.vae4j.diffusion.schedule.BetaSchedule;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A diffusers {@code scheduler/scheduler_config.json} read into a vae4j {@link NoiseSchedule} and sampler: the classes
 * {@code DDIMScheduler}, {@code DDPMScheduler} and {@code DPMSolverMultistepScheduler} (DPM-Solver++ 2M with its
 * defaults), with their keys as diffusers 0.42.1 writes them. An option vae4j does not implement (thresholding, Karras
 * sigmas, another solver, ...) or another scheduler class is refused naming it. The JSON text is kept and written back
 * unchanged.
 */
public final class SchedulerConfig {
    /** The file name inside a pipeline's {@code scheduler/} folder. */
    public static final String CONFIG_FILE = "scheduler_config.json";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();
    private static final List<String> CLASSES =
            List.of("DDIMScheduler", "DDPMScheduler", "DPMSolverMultistepScheduler");
    private static final Set<String> COMMON = Set.of(
            "_class_name",
            "_diffusers_version",
            "num_train_timesteps",
            "beta_start",
            "beta_end",
            "beta_schedule",
            "trained_betas",
            "prediction_type",
            "timestep_spacing",
            "steps_offset",
            "rescale_betas_zero_snr",
            "thresholding",
            "dynamic_thresholding_ratio",
            "sample_max_value");

    private final String className;
    private final NoiseSchedule schedule;
    private final DiffusersSchedulerOptions options;
    private final TimestepSpacing multistepSpacing;
    private final boolean setAlphaToOne;
    private final String json;

    private SchedulerConfig(
            String className,
            NoiseSchedule schedule,
            DiffusersSchedulerOptions options,
            TimestepSpacing multistepSpacing,
            boolean setAlphaToOne,
            String json) {
        this.className = className;
        this.schedule = schedule;
        this.options = options;
        this.multistepSpacing = multistepSpacing;
        this.setAlphaToOne = setAlphaToOne;
        this.json = json;
    }

    /**
     * Reads a {@code scheduler_config.json}.
     *
     * @throws FileAccessException if it cannot be read
     * @throws ConfigFormatException naming the file and the class, key or value vae4j does not support
     */
    public static SchedulerConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FileAccessException("cannot read scheduler config " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(text);
        } catch (ConfigFormatException | IllegalArgumentException e) {
            throw new ConfigFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses the JSON text of a diffusers scheduler config (non-standard {@code -Infinity} as Python writes it is
     * accepted).
     *
     * @throws ConfigFormatException naming the class, key or value vae4j does not support
     */
    public static SchedulerConfig parse(String text) {
        Map<String, Object> map;
        try {
            map = JSON.readValue(text, new TypeReference<Map<String, Object>>() {});
        } catch (IOException e) {
            throw new ConfigFormatException("scheduler config is not a JSON object: " + e.getMessage(), e);
        }
        ModelConfig config = ModelConfig.of(map);
        String className = config.className();
        if (!CLASSES.contains(className)) {
            throw new ConfigFormatException(
                    "scheduler class '" + className + "' is not supported; supported: " + String.join(", ", CLASSES));
        }
        ConfigFields f = config.fields(className);
        f.require(!f.bool("thresholding", false), "thresholding = true is not supported");
        NoiseSchedule schedule = schedule(f);
        PredictionType prediction =
                ConfigFields.construct(() -> PredictionType.fromConfigName(f.text("prediction_type", "epsilon")));
        TimestepSpacing spacing = spacing(f, className.equals("DPMSolverMultistepScheduler") ? "linspace" : "leading");
        // what DPMSolverMultistepScheduler.from_config(this config) spaces by: the key if given, else its own default
        TimestepSpacing multistepSpacing = spacing(f, "linspace");
        int stepsOffset = f.integer("steps_offset", 0);
        return switch (className) {
            case "DDIMScheduler" -> {
                f.requireKnownKeys(union(Set.of("clip_sample", "clip_sample_range", "set_alpha_to_one")));
                yield new SchedulerConfig(
                        className,
                        schedule,
                        options(f, prediction, spacing, stepsOffset),
                        multistepSpacing,
                        f.bool("set_alpha_to_one", true),
                        text);
            }
            case "DDPMScheduler" -> {
                f.requireKnownKeys(union(Set.of("clip_sample", "clip_sample_range", "variance_type")));
                requireValue(f, "variance_type", "fixed_small");
                yield new SchedulerConfig(
                        className,
                        schedule,
                        options(f, prediction, spacing, stepsOffset),
                        multistepSpacing,
                        false,
                        text);
            }
            default -> {
                f.requireKnownKeys(union(DpmDefaults.KEYS));
                DpmDefaults.require(f);
                yield new SchedulerConfig(
                        className,
                        schedule,
                        DiffusersSchedulerOptions.defaults()
                                .withPredictionType(prediction)
                                .withClipSample(false)
                                .withTimestepSpacing(spacing, stepsOffset),
                        multistepSpacing,
                        false,
                        text);
            }
        };
    }

    private static Set<String> union(Set<String> extra) {
        java.util.HashSet<String> keys = new java.util.HashSet<>(COMMON);
        keys.addAll(extra);
        return keys;
    }

    private static NoiseSchedule schedule(ConfigFields f) {
        NoiseSchedule schedule;
        String trained = f.json("trained_betas");
        if (trained != null && !trained.equals("null")) {
            schedule = ConfigFields.construct(() -> NoiseSchedule.fromBetas(f.numbers("trained_betas").stream()
                    .mapToDouble(Double::doubleValue)
                    .toArray()));
        } else {
            BetaSchedule betas = ConfigFields.construct(() -> BetaSchedule.forName(f.text("beta_schedule", "linear")));
            schedule = ConfigFields.construct(() -> NoiseSchedule.diffusers(
                    betas,
                    f.integer("num_train_timesteps", 1000),
                    f.number("beta_start", 0.0001),
                    f.number("beta_end", 0.02)));
        }
        return f.bool("rescale_betas_zero_snr", false) ? schedule.withZeroTerminalSnr() : schedule;
    }

    private static TimestepSpacing spacing(ConfigFields f, String fallback) {
        String name = f.text("timestep_spacing", fallback);
        for (TimestepSpacing spacing : TimestepSpacing.values()) {
            if (spacing.name().toLowerCase(Locale.ROOT).equals(name)) {
                return spacing;
            }
        }
        throw f.error("timestep_spacing '" + name + "' is not supported; supported: leading, trailing, linspace");
    }

    private static DiffusersSchedulerOptions options(
            ConfigFields f, PredictionType prediction, TimestepSpacing spacing, int stepsOffset) {
        return ConfigFields.construct(() -> new DiffusersSchedulerOptions(
                prediction, f.bool("clip_sample", true), f.number("clip_sample_range", 1.0), spacing, stepsOffset));
    }

    static void requireValue(ConfigFields f, String key, String expected) {
        String value = f.text(key, expected);
        f.require(value.equals(expected), key + " '" + value + "' is not supported; supported: " + expected);
    }

    /** The scheduler class ({@code "DDIMScheduler"}). */
    public String className() {
        return className;
    }

    /** The training noise schedule (T betas). */
    public NoiseSchedule schedule() {
        return schedule;
    }

    /** The prediction type, clipping, spacing and offset options. */
    public DiffusersSchedulerOptions options() {
        return options;
    }

    /**
     * A new sampler of {@code steps} steps ({@code set_timesteps(steps)}); a DDPM sampler draws its noise from
     * {@code noise}, DDIM (eta 0) and DPM-Solver++ draw none.
     *
     * @throws IllegalArgumentException when steps is outside [1, T]
     */
    public Sampler sampler(int steps, NoiseSource noise) {
        return sampler(null, steps, 0.0, noise);
    }

    /**
     * A new sampler of {@code steps} steps of family {@code kind} on this schedule, with its options (null: this
     * config's own class, as {@link #sampler(int, NoiseSource)}); {@code eta} is DDIM's (0 for the others). A DDPM
     * sampler, and DDIM with eta above 0, draw their noise from {@code noise}.
     *
     * @throws IllegalArgumentException for {@link SamplerKind#EULER} (a discrete noise schedule has no flow path), an
     *     eta that does not fit the family, or steps outside [1, T]
     */
    public Sampler sampler(SamplerKind kind, int steps, double eta, NoiseSource noise) {
        Objects.requireNonNull(noise, "noise");
        SamplerKind chosen = kind != null ? kind : ownKind();
        chosen.requireEta(eta);
        return switch (chosen) {
            case DDIM -> new DdimSampler(schedule, steps, options, eta, setAlphaToOne, noise);
            case DDPM -> new DdpmSampler(schedule, steps, options, noise);
            case DPM_SOLVER_PP ->
                new DpmSolverMultistepSampler(
                        schedule, steps, options.predictionType(), multistepSpacing, options.stepsOffset());
            case EULER ->
                throw new IllegalArgumentException("sampler euler runs on a rectified-flow path; this " + className
                        + " noise schedule takes ddim, ddpm or dpm-solver++");
        };
    }

    /** The family of this config's own class. */
    private SamplerKind ownKind() {
        return switch (className) {
            case "DDIMScheduler" -> SamplerKind.DDIM;
            case "DDPMScheduler" -> SamplerKind.DDPM;
            default -> SamplerKind.DPM_SOLVER_PP;
        };
    }

    /** The JSON text as read. */
    public String json() {
        return json;
    }
}
