package dev.vae4j.diffusion.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.diffusion.schedule.BetaSchedule;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import dev.vae4j.diffusion.schedule.PytorchDiffusionSchedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * {@code fixtures/samplers/} (written by {@code tools/reference/gen_diffusion_samplers.py}): its folder, its
 * {@code cases.json} and the vae4j schedules that file describes.
 */
public final class SamplerFixture {
    /** The fixture folder. */
    public static final Path DIR = Fixtures.dir("samplers");

    /** cases.json: {@code schedules}, {@code step_cases}, {@code trajectory_cases}, {@code trajectory_timesteps}. */
    public static final JsonNode CASES = read();

    private SamplerFixture() {}

    private static JsonNode read() {
        try {
            return new ObjectMapper().readTree(DIR.resolve("cases.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schedule {@code name} of cases.json, built with vae4j's factories. */
    public static NoiseSchedule schedule(String name) {
        JsonNode spec = CASES.get("schedules").get(name);
        int timesteps = spec.get("timesteps").asInt();
        if (spec.get("source").asText().equals("diffusers")) {
            NoiseSchedule schedule = NoiseSchedule.diffusers(
                    BetaSchedule.forName(spec.get("beta_schedule").asText()),
                    timesteps,
                    spec.get("beta_start").asDouble(),
                    spec.get("beta_end").asDouble());
            return spec.path("rescale_zero_snr").asBoolean(false) ? schedule.withZeroTerminalSnr() : schedule;
        }
        return NoiseSchedule.pytorchDiffusion(
                PytorchDiffusionSchedule.forType(spec.get("type").asText()),
                timesteps,
                spec.path("s").asDouble(0.008),
                spec.path("beta_start").asDouble(0.0001),
                spec.path("beta_end").asDouble(0.02));
    }
}
