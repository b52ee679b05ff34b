package dev.vae4j.diffusion.dit;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.sum;
import static org.bytedeco.pytorch.global.torch.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The "reverse" half of the DiT issue's acceptance: a folder written by diffusers' {@code DiTTransformer2DModel}
 * ({@code tools/reference/gen_dit.py}, every weight seeded random) loads strictly into {@link DiT} and reproduces
 * diffusers' eval forward, unconditional forward, forward at another size, input gradient and training-mode forward
 * with forced class dropout, in fp32 on the CPU within 1e-5 (the state tolerance). Training mode with random class
 * dropout and dropout replays diffusers' draws from an equally seeded generator. {@code learned_sigma} runs at
 * timesteps up to 999, where float32 sin/cos of t * f carry ~3e-5 of rounding (the two libtorch builds' exp kernels
 * differ in the last ulp of some frequencies): its outputs differ by ~1.5e-6; at small timesteps
 * ({@code patch1_affine_dropout}) by ~5e-7.
 */
@Tag("parity")
class DiTParityTest {
    private static final double TOLERANCE = 1e-5;

    static Stream<String> cases() {
        return Stream.of("learned_sigma", "patch1_affine_dropout");
    }

    private static Map<String, Tensor> io(Path dir) {
        try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            return reader.loadAll();
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void diffusersFolderReproducesEvalForwardAndGradient(String name) {
        Path dir = Fixtures.dir("dit/" + name);
        try (TensorScope scope = new TensorScope()) {
            DiT model = DiT.load(dir);
            Map<String, Tensor> io = io(dir);
            Tensor latents = io.get("latents");
            Tensor t = io.get("timesteps");
            Tensor labels = io.get("labels");
            try (NoGradGuard noGrad = new NoGradGuard()) {
                assertClose(name + " eval", io.get("eval"), model.predict(latents, t, labels), TOLERANCE);
                assertClose(name + " eval_null", io.get("eval_null"), model.predict(latents, t, null), TOLERANCE);
                assertClose(
                        name + " eval_resized",
                        io.get("eval_resized"),
                        model.predict(io.get("latents_resized"), t, labels),
                        TOLERANCE);
            }
            Tensor x = latents.clone().requires_grad_(true);
            sum(model.predict(x, t, labels).mul(io.get("grad_weight"))).backward();
            assertClose(name + " grad_latents", io.get("grad_latents"), x.grad(), TOLERANCE);
        }
    }

    /**
     * Training mode: {@code train_forced} with diffusers' force_drop_ids after {@code manual_seed(train_seed)} (dropout
     * draws only), {@code train_seeded} with random class dropout after {@code manual_seed(train_seed + 1)}.
     */
    @ParameterizedTest
    @MethodSource("cases")
    void trainingModeReplaysDiffusersDraws(String name) {
        Path dir = Fixtures.dir("dit/" + name);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            DiT model = DiT.load(dir);
            Map<String, Tensor> io = io(dir);
            long seed = io.get("train_seed").item_long();
            model.train(true);
            model.seedTrainingNoise(seed);
            Tensor forced =
                    model.forward(io.get("latents"), io.get("timesteps"), io.get("labels"), io.get("force_drop_ids"));
            assertClose(name + " train_forced", io.get("train_forced"), forced, TOLERANCE);
            model.seedTrainingNoise(seed + 1);
            Tensor seeded = model.predict(io.get("latents"), io.get("timesteps"), io.get("labels"));
            assertClose(name + " train_seeded", io.get("train_seeded"), seeded, TOLERANCE);
        }
    }

    /** libtorch's CPU generator draws what PyTorch's default one draws after {@code torch.manual_seed}. */
    @org.junit.jupiter.api.Test
    void classDropoutDrawsEqualPyTorchs() {
        Path dir = Fixtures.dir("dit/learned_sigma");
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> io = io(dir);
            Tensor expected = io.get("train_seeded_drops");
            Generator generator = createCPUGenerator(io.get("train_seed").item_long() + 1);
            TrainingNoise noise = new TrainingNoise(true, 0.0, generator, null);
            Tensor labels = zeros(new long[] {expected.size(1)}, new TensorOptions(ScalarType.Long));
            for (long draw = 0; draw < expected.size(0); draw++) {
                Tensor dropped = noise.dropLabels(labels, 10).eq(new Scalar(10)).to(ScalarType.Long);
                assertEquals(0.0, Fixtures.maxAbsDiff(expected.get(draw), dropped), "draw " + draw);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void parameterNamesEqualDiffusersKeys(String name) {
        Path dir = Fixtures.dir("dit/" + name);
        try (TensorScope scope = new TensorScope();
                SafetensorsReader reader = SafetensorsReader.open(dir.resolve(DiT.WEIGHTS_FILE))) {
            DiT model = DiT.load(dir);
            assertEquals(
                    new TreeSet<>(reader.names()),
                    new TreeSet<>(StateDict.of(model).keySet()));
            assertEquals(model.config().parameterCount(), StateDict.parameterCount(model));
        }
    }
}
