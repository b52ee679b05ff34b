package dev.vae4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.tensor.TensorScope;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Structure of {@link Vgg16Features}: parameter count, torchvision key names, tap shapes, argument checks. */
class Vgg16FeaturesTest {
    @Test
    void realVgg16HasTheTorchvisionParameterCount() {
        try (TensorScope scope = new TensorScope()) {
            assertEquals(14_714_688L, StateDict.parameterCount(new Vgg16Features()));
        }
    }

    @Test
    void keysAreTorchvisionFeatureIndices() {
        try (TensorScope scope = new TensorScope()) {
            Module parent = new Module();
            parent.register_module("features", Vgg16Features.withWidthDivisor(8));
            Map<String, Tensor> sd = StateDict.of(parent);
            List<Integer> convIdx = List.of(0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28);
            assertEquals(26, sd.size());
            for (int i : convIdx) {
                assertEquals(true, sd.containsKey("features." + i + ".weight"), "features." + i + ".weight");
                assertEquals(true, sd.containsKey("features." + i + ".bias"), "features." + i + ".bias");
            }
            assertArrayEquals(
                    new long[] {64, 64, 3, 3},
                    sd.get("features.28.weight").sizes().vec().get());
        }
    }

    @Test
    void tapsHaveTheStageWidthsAndResolutions() {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            Vgg16Features vgg = Vgg16Features.withWidthDivisor(16);
            List<Tensor> taps = vgg.taps(torch.randn(2, 3, 32, 48));
            long[][] expected = {{2, 4, 32, 48}, {2, 8, 16, 24}, {2, 16, 8, 12}, {2, 32, 4, 6}, {2, 32, 2, 3}};
            for (int k = 0; k < 5; k++) {
                assertArrayEquals(expected[k], taps.get(k).sizes().vec().get(), "tap " + k);
            }
            assertArrayEquals(
                    new long[] {2, 32, 1, 1},
                    vgg.forward(torch.randn(2, 3, 32, 48)).sizes().vec().get());
            assertArrayEquals(
                    new long[] {2, 16, 8, 12},
                    vgg.forwardUntil(torch.randn(2, 3, 32, 48), 16)
                            .sizes()
                            .vec()
                            .get());
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new Vgg16Features(3, List.of(1, 2, 3)));
        assertThrows(IllegalArgumentException.class, () -> Vgg16Features.withWidthDivisor(3));
        try (TensorScope scope = new TensorScope()) {
            Vgg16Features vgg = Vgg16Features.withWidthDivisor(16);
            assertThrows(IllegalArgumentException.class, () -> vgg.taps(torch.randn(1, 1, 8, 8)));
            assertThrows(IllegalArgumentException.class, () -> vgg.conv(1));
        }
    }
}
