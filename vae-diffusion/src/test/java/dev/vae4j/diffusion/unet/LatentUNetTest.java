package dev.vae4j.diffusion.unet;

import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.WeightLoadingException;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link LatentUNet}: the LDM preset's size, weights I/O, the Denoiser facts and the input checks. */
class LatentUNetTest {
    static LatentUNetConfig tiny(int classes, boolean selfCondition) {
        return LatentUNetConfig.builder(8)
                .channels(4, 4)
                .initDim(4)
                .dimMults(List.of(1, 2))
                .resnetGroups(2)
                .resnetStacks(1)
                .classes(classes)
                .selfCondition(selfCondition)
                .attention(2, 4)
                .build();
    }

    static Tensor latents(long n, long c, long h, long w) {
        return randn(n, c, h, w);
    }

    static Tensor timesteps(long n) {
        return torch.arange(new Scalar(n)).to(ScalarType.Float).mul(new Scalar(100.0));
    }

    @Test
    void ldmPresetHasUpstreamsParameterCount() throws Exception {
        long expected = new ObjectMapper()
                .readTree(Fixtures.dir("latent_unet").resolve("counts.json").toFile())
                .get(LatentUNetConfig.LDM_PRESET)
                .get("total")
                .asLong();
        assertEquals(12_191_108L, expected);
        manual_seed(0);
        try (TensorScope scope = new TensorScope();
                LatentUNet model = new LatentUNet(LatentUNetConfig.preset(LatentUNetConfig.LDM_PRESET))) {
            assertEquals(expected, StateDict.parameterCount(model));
            assertFalse(StateDict.of(model).keySet().stream().anyMatch(k -> k.startsWith("lbl_embeds")));
            assertEquals(4, model.latentChannels());
            assertEquals(4, model.predictionChannels());
            assertEquals(0, model.numClasses());
        }
    }

    @Test
    void keysAreUpstreamsInItsOrder() {
        manual_seed(0);
        try (TensorScope scope = new TensorScope();
                LatentUNet model = new LatentUNet(tiny(5, false))) {
            List<String> keys = List.copyOf(StateDict.of(model).keySet());
            assertEquals("init_conv.weight", keys.get(0));
            assertEquals("time_mlp.1.weight", keys.get(2));
            assertEquals("downs.0.0.mlp.1.weight", keys.get(6));
            assertTrue(keys.indexOf("downs.0.1.fn.fn.to_qkv.weight") < keys.indexOf("downs.0.1.fn.norm.weight"));
            assertTrue(keys.indexOf("ups.1.2.weight") < keys.indexOf("mid_block1.mlp.1.weight"));
            assertEquals("lbl_embeds.2.bias", keys.get(keys.size() - 1));
        }
    }

    @Test
    void savedWeightsLoadBackToTheSamePrediction(@TempDir Path dir) {
        Path file = dir.resolve("unet.safetensors");
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            manual_seed(1);
            LatentUNet saved = new LatentUNet(tiny(5, true));
            saved.saveWeights(file);
            manual_seed(2);
            LatentUNet loaded = LatentUNet.load(tiny(5, true), file);
            Tensor x = latents(2, 4, 8, 8);
            Tensor labels = torch.tensor(new long[] {3, 0});
            Fixtures.assertClose(
                    "saved and loaded",
                    saved.predict(x, timesteps(2), labels),
                    loaded.predict(x, timesteps(2), labels),
                    0);
            WeightLoadingException e =
                    assertThrows(WeightLoadingException.class, () -> LatentUNet.load(tiny(0, true), file));
            assertTrue(e.getMessage().contains("lbl_embeds.0.weight"), e.getMessage());
        }
    }

    @Test
    void labelsAndSelfConditioningChangeThePrediction() {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            manual_seed(3);
            LatentUNet model = new LatentUNet(tiny(5, true));
            Tensor x = latents(2, 4, 8, 8);
            Tensor t = timesteps(2);
            Tensor unconditional = model.predict(x, t, null);
            Tensor conditional = model.predict(x, t, torch.tensor(new long[] {4, 4}));
            assertTrue(Fixtures.maxAbsDiff(unconditional, conditional) > 1e-3);
            Tensor zeros = model.predict(x, t, null, torch.zeros_like(x));
            Fixtures.assertClose("zeros self-conditioning = none", unconditional, zeros, 0);
            assertTrue(Fixtures.maxAbsDiff(unconditional, model.predict(x, t, null, latents(2, 4, 8, 8))) > 1e-3);
            assertTrue(model.hasUnconditionalPrediction());
            assertEquals(5, model.numClasses());
        }
    }

    static Stream<Arguments> badInputs() {
        Function<LatentUNet, Tensor> wrongChannels = m -> m.predict(latents(2, 3, 8, 8), timesteps(2), null);
        Function<LatentUNet, Tensor> oddSize = m -> m.predict(latents(2, 4, 9, 8), timesteps(2), null);
        Function<LatentUNet, Tensor> threeDims = m -> m.predict(randn(4, 8, 8), timesteps(4), null);
        Function<LatentUNet, Tensor> timestepShape =
                m -> m.predict(latents(2, 4, 8, 8), timesteps(2).view(2, 1), null);
        Function<LatentUNet, Tensor> timestepCount = m -> m.predict(latents(2, 4, 8, 8), timesteps(3), null);
        Function<LatentUNet, Tensor> labelRange =
                m -> m.predict(latents(2, 4, 8, 8), timesteps(2), torch.tensor(new long[] {1, 5}));
        Function<LatentUNet, Tensor> negativeLabel =
                m -> m.predict(latents(2, 4, 8, 8), timesteps(2), torch.tensor(new long[] {-1, 0}));
        Function<LatentUNet, Tensor> floatLabels =
                m -> m.predict(latents(2, 4, 8, 8), timesteps(2), torch.tensor(new float[] {1, 2}));
        Function<LatentUNet, Tensor> labelCount =
                m -> m.predict(latents(2, 4, 8, 8), timesteps(2), torch.tensor(new long[] {1}));
        Function<LatentUNet, Tensor> selfConditionShape =
                m -> m.predict(latents(2, 4, 8, 8), timesteps(2), null, latents(1, 4, 8, 8));
        return Stream.of(
                Arguments.of(wrongChannels, "3 channels", "takes 4"),
                Arguments.of(oddSize, "9x8", "divisible by 2"),
                Arguments.of(threeDims, "[4, 8, 8]", "(N, 4, H, W)"),
                Arguments.of(timestepShape, "[2, 1]", "(N) = (2)"),
                Arguments.of(timestepCount, "[3]", "(N) = (2)"),
                Arguments.of(labelRange, "label 5", "[0, 5)"),
                Arguments.of(negativeLabel, "label -1", "[0, 5)"),
                Arguments.of(floatLabels, "Float", "int64"),
                Arguments.of(labelCount, "[1]", "(N) = (2)"),
                Arguments.of(selfConditionShape, "[1, 4, 8, 8]", "[2, 4, 8, 8]"));
    }

    @ParameterizedTest
    @MethodSource("badInputs")
    void badInputsFailOnOneLineNamingValueAndLimit(Function<LatentUNet, Tensor> call, String value, String limit) {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            manual_seed(4);
            LatentUNet model = new LatentUNet(tiny(5, true));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> call.apply(model));
            assertTrue(e.getMessage().contains(value) && e.getMessage().contains(limit), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void labelsOrSelfConditioningTheModelLacksAreRejected() {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            manual_seed(5);
            LatentUNet model = new LatentUNet(tiny(0, false));
            Tensor x = latents(2, 4, 8, 8);
            IllegalArgumentException labels = assertThrows(
                    IllegalArgumentException.class,
                    () -> model.predict(x, timesteps(2), torch.tensor(new long[] {0, 1})));
            assertTrue(labels.getMessage().contains("classes 0"), labels.getMessage());
            IllegalArgumentException selfCondition = assertThrows(
                    IllegalArgumentException.class, () -> model.predict(x, timesteps(2), null, latents(2, 4, 8, 8)));
            assertTrue(selfCondition.getMessage().contains("self_condition false"), selfCondition.getMessage());
        }
    }
}
