package dev.vae4j.diffusion.sampling;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.full;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.Denoiser;
import dev.vae4j.diffusion.testing.SamplerFixture;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.bytedeco.pytorch.DimnameListOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every sampler against the reference code (diffusers 0.42.1's schedulers and DiTPipeline, pytorch-diffusion's
 * {@code generalized_steps} and {@code ddpm_steps}; {@code tools/reference/gen_diffusion_samplers.py}): single steps
 * from random model outputs and whole 50-step trajectories with the tiny denoiser from the same noise, per-step noise
 * from a CPU generator seeded like the reference's. fp32, max |diff| <= 1e-5 * max(1, max |expected|).
 *
 * <p>Why relative above 1: bit equality is out of reach because pip PyTorch computes float32 sqrt, log, exp, cos and
 * tanh with MKL's vector kernels, which are not correctly rounded (about 20% of float32 sqrt results differ by one ulp
 * from the correctly rounded value, 0-d tensors included), while the presets' libtorch (no MKL) rounds correctly or
 * differently; so step coefficients and denoiser outputs differ by an ulp. Four trajectories reach values of 7.7 to
 * 25.6 (x0 estimates of a model that is no real denoiser), where one float32 ulp is 1e-6 to 2e-6: measured 1.3e-5 (dpm,
 * final, max 18.1), 2.1e-5 (dpm_cfg_dit, final, max 25.3), 1.3e-5 and 3.4e-5 (pd_ddim after 25 and 50 steps, max 20.3
 * and 25.6). Making only the reference's per-sample sqrt correctly rounded moves its own pd_ddim result by 1.3e-5 and
 * 3.3e-5, and a one-ulp change of its denoiser's outputs moves dpm and pd_ddim by 1.0e-5 and 2.4e-5. Every other
 * comparison holds 1e-5 absolute (closest: pd_ddpm after 50 steps, 9.0e-6, of which 2.6e-6 is the sqrt rounding).
 */
@Tag("parity")
class SamplerParityTest {
    private static final double TOLERANCE = 1e-5;

    /** 1e-5, relative once the expected values exceed 1 in magnitude. */
    private static double tolerance(Tensor expected) {
        return TOLERANCE * Math.max(1.0, expected.abs().max().item_double());
    }

    static Stream<String> stepCases() {
        return names("step_cases");
    }

    static Stream<String> trajectoryCases() {
        return names("trajectory_cases");
    }

    private static Stream<String> names(String list) {
        return StreamSupport.stream(SamplerFixture.CASES.get(list).spliterator(), false)
                .map(c -> c.get("name").asText());
    }

    private static JsonNode find(String list, String name) {
        for (JsonNode c : SamplerFixture.CASES.get(list)) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException(name);
    }

    @ParameterizedTest
    @MethodSource("stepCases")
    void singleStepMatchesTheReference(String name) {
        JsonNode c = find("step_cases", name);
        try (TensorScope scope = new TensorScope();
                SafetensorsReader io = SafetensorsReader.open(SamplerFixture.DIR.resolve("steps.safetensors"))) {
            Map<String, Tensor> t = io.loadAll();
            Sampler sampler = SamplerCases.sampler(
                    c, NoiseSource.of(createCPUGenerator(c.path("seed").asLong(0))));
            Tensor result;
            if (c.has("steps_taken")) {
                Tensor[] outputs = {t.get("model_output"), t.get("model_output_2")};
                result = t.get("sample");
                for (int i = 0; i < c.get("steps_taken").asInt(); i++) {
                    result = sampler.step(i, outputs[i], result);
                }
            } else {
                result = sampler.step(c.get("step").asInt(), t.get("model_output"), t.get("sample"));
            }
            assertClose(name, t.get(name + ".prev"), result, tolerance(t.get(name + ".prev")));
        }
    }

    @ParameterizedTest
    @MethodSource("trajectoryCases")
    void fiftyStepTrajectoryMatchesTheReference(String name) {
        JsonNode c = find("trajectory_cases", name);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(SamplerFixture.DIR.resolve("trajectories.safetensors"))) {
            Map<String, Tensor> t = io.loadAll();
            boolean guided = c.has("guidance_scale");
            Denoiser denoiser = guided
                    ? new ClassifierFreeGuidance(
                            new TinyDenoiser(t.get("denoiser.weight"), t.get("denoiser.bias"), 4, 8, 1000),
                            c.get("guidance_scale").asDouble())
                    : new TinyDenoiser(t.get("denoiser.weight"), t.get("denoiser.bias"), 4, 4, 0);
            Tensor labels = guided ? t.get("labels") : null;
            long seed = c.get("seed").asLong();

            Sampler halfway = SamplerCases.sampler(c, NoiseSource.of(createCPUGenerator(seed)));
            JsonNode timesteps =
                    SamplerFixture.CASES.get("trajectory_timesteps").get(name);
            for (int i = 0; timesteps != null && i < timesteps.size(); i++) {
                assertEquals(timesteps.get(i).asDouble(), halfway.timestep(i), 0.0, name + " timestep " + i);
            }
            Tensor x = t.get("noise");
            for (int i = 0; i < 25; i++) {
                Tensor ts = full(
                        new long[] {x.size(0)},
                        new Scalar(halfway.timestep(i)),
                        new DimnameListOptional(),
                        new TensorOptions(ScalarType.Float));
                x = halfway.step(i, denoiser.predict(x, ts, labels), x);
            }
            assertClose(name + " after 25 steps", t.get(name + ".step25"), x, tolerance(t.get(name + ".step25")));

            Sampler whole = SamplerCases.sampler(c, NoiseSource.of(createCPUGenerator(seed)));
            Tensor result = new SamplingLoop(denoiser, whole).run(t.get("noise"), labels);
            assertClose(name + " after 50 steps", t.get(name + ".final"), result, tolerance(t.get(name + ".final")));
        }
    }
}
