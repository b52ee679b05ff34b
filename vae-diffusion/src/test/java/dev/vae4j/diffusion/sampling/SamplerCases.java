package dev.vae4j.diffusion.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae4j.diffusion.PredictionType;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import dev.vae4j.diffusion.testing.SamplerFixture;
import java.util.Locale;

/** The vae4j samplers that the step and trajectory cases of {@code fixtures/samplers/cases.json} describe. */
final class SamplerCases {
    private SamplerCases() {}

    private static NoiseSchedule schedule(String name) {
        return SamplerFixture.schedule(name);
    }

    /** The sampler a step or trajectory case describes, drawing from {@code noise}. */
    static Sampler sampler(JsonNode c, NoiseSource noise) {
        int steps = c.path("steps").asInt(SamplerFixture.CASES.get("steps").asInt());
        return switch (c.get("sampler").asText()) {
            case "ddpm" -> new DdpmSampler(schedule(c.get("schedule").asText()), steps, options(c), noise);
            case "ddim" ->
                new DdimSampler(
                        schedule(c.get("schedule").asText()),
                        steps,
                        options(c),
                        c.get("eta").asDouble(),
                        c.get("set_alpha_to_one").asBoolean(),
                        noise);
            case "pd_ddim" ->
                new PytorchDiffusionDdimSampler(
                        schedule(c.get("schedule").asText()),
                        c.get("skip").asInt(),
                        c.get("eta").asDouble(),
                        noise);
            case "pd_ddpm" ->
                new PytorchDiffusionDdpmSampler(
                        schedule(c.get("schedule").asText()), c.get("skip").asInt(), noise);
            case "flow_euler" ->
                new FlowMatchEulerSampler(1000, steps, c.get("shift").asDouble());
            case "dpm" ->
                new DpmSolverMultistepSampler(
                        schedule(c.get("schedule").asText()),
                        steps,
                        predictionType(c),
                        TimestepSpacing.valueOf(
                                c.path("timestep_spacing").asText("linspace").toUpperCase(Locale.ROOT)),
                        c.path("steps_offset").asInt(0));
            default -> throw new IllegalArgumentException("unknown sampler in cases.json: " + c.get("sampler"));
        };
    }

    private static DiffusersSchedulerOptions options(JsonNode c) {
        return DiffusersSchedulerOptions.defaults()
                .withPredictionType(predictionType(c))
                .withClipSample(c.get("clip_sample").asBoolean())
                .withTimestepSpacing(
                        TimestepSpacing.valueOf(
                                c.get("timestep_spacing").asText().toUpperCase(Locale.ROOT)),
                        c.get("steps_offset").asInt());
    }

    private static PredictionType predictionType(JsonNode c) {
        return PredictionType.valueOf(c.get("prediction_type").asText().toUpperCase(Locale.ROOT));
    }
}
