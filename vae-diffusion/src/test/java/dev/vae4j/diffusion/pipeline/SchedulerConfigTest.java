package dev.vae4j.diffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.diffusion.PredictionType;
import dev.vae4j.diffusion.sampling.DdimSampler;
import dev.vae4j.diffusion.sampling.DdpmSampler;
import dev.vae4j.diffusion.sampling.DpmSolverMultistepSampler;
import dev.vae4j.diffusion.sampling.NoiseSource;
import dev.vae4j.diffusion.sampling.Sampler;
import dev.vae4j.diffusion.sampling.SamplerKind;
import dev.vae4j.diffusion.sampling.TimestepSpacing;
import dev.vae4j.diffusion.schedule.BetaSchedule;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** diffusers scheduler configs read into vae4j samplers, and the unsupported ones refused naming the value. */
class SchedulerConfigTest {
    private static final NoiseSource NO_NOISE = like -> {
        throw new AssertionError("no noise expected");
    };

    @Test
    void ddimConfigGivesItsScheduleAndOptions() {
        SchedulerConfig config = SchedulerConfig.parse("{\"_class_name\": \"DDIMScheduler\", \"beta_schedule\":"
                + " \"scaled_linear\", \"beta_start\": 0.00085, \"beta_end\": 0.012, \"clip_sample\": false,"
                + " \"prediction_type\": \"v_prediction\", \"timestep_spacing\": \"trailing\", \"steps_offset\": 1}");
        assertEquals("DDIMScheduler", config.className());
        assertEquals(PredictionType.V_PREDICTION, config.options().predictionType());
        assertFalse(config.options().clipSample());
        assertEquals(TimestepSpacing.TRAILING, config.options().timestepSpacing());
        assertEquals(1, config.options().stepsOffset());
        assertTrue(Arrays.equals(
                NoiseSchedule.diffusers(BetaSchedule.SCALED_LINEAR, 1000, 0.00085, 0.012)
                        .betas(),
                config.schedule().betas()));
        assertInstanceOf(DdimSampler.class, config.sampler(10, NO_NOISE));
    }

    @Test
    void defaultsAreDiffusersDefaultsAndZeroSnrRescales() {
        SchedulerConfig ddpm = SchedulerConfig.parse("{\"_class_name\": \"DDPMScheduler\"}");
        assertTrue(ddpm.options().clipSample());
        assertEquals(TimestepSpacing.LEADING, ddpm.options().timestepSpacing());
        assertInstanceOf(DdpmSampler.class, ddpm.sampler(10, NO_NOISE));
        SchedulerConfig dpm = SchedulerConfig.parse(
                "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"rescale_betas_zero_snr\": true,"
                        + " \"lambda_min_clipped\": -Infinity}");
        assertEquals(0f, dpm.schedule().alphaCumprod(999));
        assertInstanceOf(DpmSolverMultistepSampler.class, dpm.sampler(10, NO_NOISE));
    }

    @Test
    void dpmSolverSpacesItsTimestepsAsFromConfigDoes() {
        // DPMSolverMultistepScheduler.from_config(config).set_timesteps(50): the config's spacing and offset, linspace
        // when it has none (tools/reference/gen_diffusion_samplers.py's trajectory timesteps)
        Sampler leading = SchedulerConfig.parse("{\"_class_name\": \"DDIMScheduler\", \"timestep_spacing\":"
                        + " \"leading\", \"steps_offset\": 1}")
                .sampler(SamplerKind.DPM_SOLVER_PP, 50, 0.0, NO_NOISE);
        assertEquals(951.0, leading.timestep(0));
        assertEquals(20.0, leading.timestep(49));
        Sampler unset = SchedulerConfig.parse("{\"_class_name\": \"DDIMScheduler\"}")
                .sampler(SamplerKind.DPM_SOLVER_PP, 50, 0.0, NO_NOISE);
        assertEquals(999.0, unset.timestep(0));
        Sampler trailing = SchedulerConfig.parse(
                        "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"timestep_spacing\": \"trailing\"}")
                .sampler(50, NO_NOISE);
        assertEquals(999.0, trailing.timestep(0));
        assertEquals(19.0, trailing.timestep(49));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"_class_name\": \"EulerDiscreteScheduler\"}|scheduler class 'EulerDiscreteScheduler'",
                "{\"_class_name\": \"DDIMScheduler\", \"thresholding\": true}|thresholding = true",
                "{\"_class_name\": \"DDIMScheduler\", \"beta_schedule\": \"laplace\"}|beta_schedule 'laplace'",
                "{\"_class_name\": \"DDIMScheduler\", \"timestep_spacing\": \"odd\"}|timestep_spacing 'odd'",
                "{\"_class_name\": \"DDIMScheduler\", \"prediction_type\": \"flow\"}|prediction_type 'flow'",
                "{\"_class_name\": \"DDIMScheduler\", \"eta\": 1}|eta",
                "{\"_class_name\": \"DDPMScheduler\", \"variance_type\": \"learned\"}|variance_type 'learned'",
                "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"use_karras_sigmas\": true}|use_karras_sigmas",
                "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"solver_order\": 3}|solver_order 3",
                "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"algorithm_type\": \"sde-dpmsolver++\"}"
                        + "|algorithm_type 'sde-dpmsolver++'",
            })
    void unsupportedClassesAndOptionsAreNamed(String json, String named) {
        ConfigFormatException e = assertThrows(ConfigFormatException.class, () -> SchedulerConfig.parse(json));
        assertTrue(e.getMessage().contains(named), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
