package dev.vae4j.diffusion.schedule;

import static dev.vae4j.core.testing.Fixtures.assertClose;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.testing.SamplerFixture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Betas and alphas_cumprod of every schedule in {@code fixtures/samplers/cases.json} against diffusers'
 * {@code DDPMScheduler} (linear, scaled_linear, squaredcos_cap_v2, sigmoid, each also with
 * {@code rescale_betas_zero_snr}) and pytorch-diffusion's {@code get_betas} + {@code compute_alpha} (cosine with its s
 * and clip, linear, quadratic, sigmoid, a type matched by substring), several T each. The float32 formulas run the same
 * libtorch ops, so the tolerance is 0 (bit-identical), except where the reference calls a float32 transcendental
 * kernel: pytorch-diffusion's cosine ({@code torch.cos}) and the zero-SNR rescale ({@code torch.sqrt}). pip PyTorch
 * computes those with MKL's vector kernels, which are not correctly rounded (about 20% of float32 sqrt results are one
 * ulp off) and differ from the presets' libtorch by an ulp; 1 - alpha-bar ratios amplify that (the rescale subtracts
 * sqrt(alpha-bar_T) from values close to it). Measured on betas: 3e-7 (cosine), up to 4.5e-6 (zero SNR); those get
 * 1e-5.
 */
@Tag("parity")
class NoiseScheduleParityTest {
    static Stream<String> schedules() {
        Stream.Builder<String> out = Stream.builder();
        SamplerFixture.CASES.get("schedules").fieldNames().forEachRemaining(out);
        return out.build();
    }

    @ParameterizedTest
    @MethodSource("schedules")
    void betasAndAlphasCumprodMatchTheReference(String name) {
        JsonNode spec = SamplerFixture.CASES.get("schedules").get(name);
        NoiseSchedule schedule = SamplerFixture.schedule(name);
        boolean transcendental = spec.path("rescale_zero_snr").asBoolean(false)
                || spec.path("type").asText().contains("cosine");
        double tolerance = transcendental ? 1e-5 : 0.0;
        try (TensorScope scope = new TensorScope();
                SafetensorsReader io = SafetensorsReader.open(SamplerFixture.DIR.resolve("schedules.safetensors"))) {
            assertClose(name + " betas", io.load(name + ".betas"), BetaMath.floatTensor(schedule.betas()), tolerance);
            assertClose(
                    name + " alphas_cumprod",
                    io.load(name + ".alphas_cumprod"),
                    schedule.alphasCumprodTensor(),
                    tolerance);
        }
    }
}
