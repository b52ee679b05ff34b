package dev.vae4j.core.nn;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.tensor.TensorScope;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/**
 * {@link SpatialNorm}'s two halves separately (its composition is checked against diffusers in
 * {@code VQModelParityTest}): with a unit scale and no shift it is GroupNorm(32, eps 1e-6); with no scale it is
 * {@code conv_b} of zq repeated over each nearest-neighbour block. Unbound, it refuses to run.
 */
class SpatialNormProperties {
    @Property(tries = 20)
    void unitScaleAndNoShiftIsGroupNorm(
            @ForAll @IntRange(min = 1, max = 2) int groupsOf32,
            @ForAll @IntRange(min = 1, max = 3) int scale,
            @ForAll @LongRange(min = 0, max = 1000) long seed) {
        long channels = 32L * groupsOf32;
        SpatialCondition condition = new SpatialCondition();
        SpatialNorm norm = new SpatialNorm(channels, 3, condition);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            Map<String, Tensor> params = StateDict.of(norm);
            params.get("conv_y.weight").zero_();
            params.get("conv_y.bias").fill_(new Scalar(1.0));
            params.get("conv_b.weight").zero_();
            params.get("conv_b.bias").zero_();
            Tensor f = random(seed, 2, channels, 3 * scale, 2 * scale).mul(new Scalar(4.0));
            Tensor zq = random(seed + 1, 2, 3, 3, 2);
            try (SpatialCondition.Binding bound = condition.bind(zq)) {
                Tensor expected = torch.group_norm(f, 32, new TensorOptional(), new TensorOptional(), 1e-6, false);
                assertClose("unit-scale SpatialNorm vs GroupNorm", expected, norm.forward(f), 1e-5);
            }
        }
    }

    @Property(tries = 20)
    void noScaleIsTheShiftOfZqRepeatedOverEachNearestBlock(
            @ForAll @IntRange(min = 1, max = 4) int scale, @ForAll @LongRange(min = 0, max = 1000) long seed) {
        SpatialCondition condition = new SpatialCondition();
        SpatialNorm norm = new SpatialNorm(32, 4, condition);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            Map<String, Tensor> params = StateDict.of(norm);
            params.get("conv_y.weight").zero_();
            params.get("conv_y.bias").zero_();
            Tensor f = random(seed, 1, 32, 2 * scale, 3 * scale);
            Tensor zq = random(seed + 1, 1, 4, 2, 3);
            // conv_b is 1x1: a matrix product over the channels at each of the 2x3 positions
            Tensor shift = params.get("conv_b.weight")
                    .view(32, 4)
                    .matmul(zq.view(4, 6))
                    .add(params.get("conv_b.bias").view(32, 1))
                    .view(1, 32, 2, 3);
            Tensor expected = shift.repeat_interleave(scale, new LongOptional(2), new LongOptional())
                    .repeat_interleave(scale, new LongOptional(3), new LongOptional());
            try (SpatialCondition.Binding bound = condition.bind(zq)) {
                assertClose("zero-scale SpatialNorm vs repeated shift", expected, norm.forward(f), 1e-6);
            }
        }
    }

    @Test
    void unboundConditionAndIndivisibleChannelsAreRefused() {
        SpatialNorm norm = new SpatialNorm(32, 4, new SpatialCondition());
        try (TensorScope scope = new TensorScope()) {
            IllegalStateException e =
                    assertThrows(IllegalStateException.class, () -> norm.forward(torch.zeros(1, 32, 2, 2)));
            assertTrue(e.getMessage().contains("no quantized latent bound"), e.getMessage());
        }
        IllegalArgumentException groups =
                assertThrows(IllegalArgumentException.class, () -> new SpatialNorm(48, 4, new SpatialCondition()));
        assertTrue(groups.getMessage().contains("48 channels are not divisible into 32 groups"), groups.getMessage());
    }

    private static Tensor random(long seed, long... shape) {
        return torch.randn(
                shape, new GeneratorOptional(torch.createCPUGenerator(seed)), new TensorOptions(ScalarType.Float));
    }
}
