package dev.vae4j.dwt;

import static org.bytedeco.pytorch.global.torch.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("parity")
class HaarDwtTest {
    private static Map<String, Tensor> fixture() {
        try (SafetensorsReader reader =
                SafetensorsReader.open(Fixtures.dir("dwt").resolve("haar.safetensors"))) {
            return reader.loadAll();
        }
    }

    private static Tensor pywtStack(Map<String, Tensor> f, int level, SubbandOrder order) {
        Tensor first = order == SubbandOrder.PYWT ? f.get("H" + level) : f.get("V" + level);
        Tensor second = order == SubbandOrder.PYWT ? f.get("V" + level) : f.get("H" + level);
        return torch.cat(new TensorVector(f.get("LL" + level), first, second, f.get("D" + level)), 1);
    }

    @Test
    void matchesPyWaveletsInBothOrdersFloat64() {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> f = fixture();
            for (SubbandOrder order : SubbandOrder.values()) {
                List<Tensor> stacks = new HaarDwt(order, false).decompose(f.get("x"), 3);
                for (int level = 1; level <= 3; level++) {
                    Fixtures.assertClose(
                            "haar pywt f64 " + order.id() + " level " + level,
                            pywtStack(f, level, order),
                            stacks.get(level - 1),
                            1e-6);
                }
            }
        }
    }

    @Test
    void matchesPyWaveletsInFloat32() {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> f = fixture();
            List<Tensor> stacks = HaarDwt.pywt().decompose(f.get("x").to(ScalarType.Float), 3);
            for (int level = 1; level <= 3; level++) {
                Fixtures.assertClose(
                        "haar pywt f32 level " + level,
                        pywtStack(f, level, SubbandOrder.PYWT),
                        stacks.get(level - 1),
                        1e-6);
            }
        }
    }

    @Test
    void paperScalingDividesLevelByTwoToTheL() {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> f = fixture();
            List<Tensor> scaled = new HaarDwt(SubbandOrder.PYWT, true).decompose(f.get("x"), 3);
            for (int level = 1; level <= 3; level++) {
                Tensor expected = pywtStack(f, level, SubbandOrder.PYWT)
                        .div(new org.bytedeco.pytorch.Scalar((double) (1 << level)));
                Fixtures.assertClose("haar scaled level " + level, expected, scaled.get(level - 1), 1e-12);
            }
            Fixtures.assertClose(
                    "haar scaled reconstruct",
                    f.get("x"),
                    new HaarDwt(SubbandOrder.PYWT, true).reconstruct(scaled),
                    1e-12);
        }
    }

    @Test
    void workedTwoByTwoExample() {
        try (TensorScope scope = new TensorScope()) {
            Tensor x = tensor(1f, 2f, 3f, 5f).view(1, 1, 2, 2);
            Tensor pywt = HaarDwt.pywt().forward(x).flatten();
            Tensor torchDwt =
                    new HaarDwt(SubbandOrder.TORCH_DWT, false).forward(x).flatten();
            float[] expectedPywt = {5.5f, -2.5f, -1.5f, 0.5f};
            float[] expectedTorchDwt = {5.5f, -1.5f, -2.5f, 0.5f};
            for (int i = 0; i < 4; i++) {
                assertEquals(expectedPywt[i], pywt.get(i).item_float(), 1e-6);
                assertEquals(expectedTorchDwt[i], torchDwt.get(i).item_float(), 1e-6);
            }
        }
    }

    @Test
    void oddSizesAreRejectedWithTheShape() {
        try (TensorScope scope = new TensorScope()) {
            HaarDwt dwt = HaarDwt.pywt();
            IllegalArgumentException odd = assertThrows(
                    IllegalArgumentException.class, () -> dwt.forward(TestTensors.randnFloat(1, 1, 3, 5, 4)));
            assertTrue(odd.getMessage().contains("[1, 3, 5, 4]"), odd.getMessage());
            IllegalArgumentException deep = assertThrows(
                    IllegalArgumentException.class, () -> dwt.decompose(TestTensors.randnFloat(1, 1, 3, 12, 16), 3));
            assertTrue(deep.getMessage().contains("[1, 3, 12, 16]"), deep.getMessage());
            assertThrows(IllegalArgumentException.class, () -> dwt.forward(TestTensors.randnFloat(1, 3, 4, 4)));
            assertThrows(IllegalArgumentException.class, () -> dwt.inverse(TestTensors.randnFloat(1, 1, 3, 2, 2)));
        }
    }

    @Test
    void isDifferentiable() {
        try (TensorScope scope = new TensorScope()) {
            Tensor x = TestTensors.randnDouble(3, 2, 2, 8, 8).requires_grad_(true);
            // sum of squares of all coefficients = sum of squares of x (orthonormal), so the gradient is 2x
            List<Tensor> stacks = HaarDwt.pywt().decompose(x, 2);
            Tensor energy = HaarDwt.details(stacks.get(0))
                    .pow(new org.bytedeco.pytorch.Scalar(2))
                    .sum()
                    .add(stacks.get(1).pow(new org.bytedeco.pytorch.Scalar(2)).sum());
            energy.backward();
            Fixtures.assertClose("haar energy gradient", x.mul(new org.bytedeco.pytorch.Scalar(2.0)), x.grad(), 1e-12);
        }
    }
}
