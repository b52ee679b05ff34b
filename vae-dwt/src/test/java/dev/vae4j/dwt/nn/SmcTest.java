package dev.vae4j.dwt.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.dwt.TestTensors;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("parity")
class SmcTest {
    @Test
    void matchesTheReferenceModulatedConv() {
        try (TensorScope scope = new TensorScope();
                SafetensorsReader reader =
                        SafetensorsReader.open(Fixtures.dir("litevae").resolve("smc.safetensors"))) {
            Map<String, Tensor> f = reader.loadAll();
            Smc smc = new Smc(6, 5, 3);
            assertEquals(
                    java.util.Set.of("conv.weight", "conv.bias", "gain", "scales"),
                    StateDict.of(smc).keySet());
            f.remove("x");
            f.remove("y");
            StateDict.load(smc, TensorSource.of(f), true, "smc.safetensors");
            Map<String, Tensor> io = reader.loadAll();
            try (NoGradGuard noGrad = new NoGradGuard()) {
                Fixtures.assertClose("SMC 6->5 3x3", io.get("y"), smc.forward(io.get("x")), 1e-5);
            }
        }
    }

    @Test
    void everyOutputFilterHasNormGainAndScaleOfStylesIsIrrelevant() {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            Smc smc = new Smc(4, 3, 3);
            smc.gain().fill_(new Scalar(2.5));
            smc.scales().copy_(TestTensors.randnFloat(5, 4).abs().add(new Scalar(0.1)));
            Tensor norms = smc.modulatedWeight()
                    .pow(new Scalar(2))
                    .sum(new long[] {1, 2, 3}, false, new org.bytedeco.pytorch.ScalarTypeOptional())
                    .sqrt();
            for (int o = 0; o < 3; o++) {
                assertEquals(2.5, norms.get(o).item_double(), 1e-5);
            }
            Tensor x = TestTensors.randnFloat(6, 2, 4, 5, 5);
            Tensor y = smc.forward(x);
            smc.scales().mul_(new Scalar(7.0)); // a global scale of the styles cancels
            Fixtures.assertClose("SMC style scale invariance", y, smc.forward(x), 1e-5);
            assertThrows(IllegalArgumentException.class, () -> smc.forward(TestTensors.randnFloat(1, 1, 3, 5, 5)));
        }
    }
}
