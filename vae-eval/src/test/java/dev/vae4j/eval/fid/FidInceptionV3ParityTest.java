package dev.vae4j.eval.fid;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.WeightLoadingException;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full-width FID Inception against pytorch-fid 0.3.0 {@code InceptionV3([3])} with the fixture's formula weights
 * ({@link FormulaWeights}): pool3 features (magnitudes up to about 60) to 1e-4 absolute.
 */
@Tag("parity")
class FidInceptionV3ParityTest {
    @Test
    void pool3FeaturesMatchPytorchFid() {
        try (TensorScope scope = new TensorScope();
                InferenceMode guard = new InferenceMode();
                SafetensorsReader io =
                        SafetensorsReader.open(Fixtures.dir("metrics").resolve("fid_inception_io.safetensors"))) {
            FidInceptionV3 net = new FidInceptionV3();
            FormulaWeights.fill(net);
            Map<String, Tensor> state = StateDict.of(net);
            assertClose(
                    "fid formula weights conv1a",
                    io.load("conv1a_weight"),
                    state.get("Conv2d_1a_3x3.conv.weight"),
                    0.0);
            assertClose(
                    "fid formula weights 7c pool var",
                    io.load("mixed7c_pool_var"),
                    state.get("Mixed_7c.branch_pool.bn.running_var"),
                    0.0);
            Tensor expected = io.load("features");
            Tensor features = net.forward(io.load("images"));
            double scale = expected.abs().max().item_double();
            assertClose("fid pool3 features (abs, scale " + Math.round(scale) + ")", expected, features, 1e-4);
            assertEquals(FidInceptionV3.DIMENSION, features.size(1));
        }
    }

    @Test
    void parameterNamesAndCountAreTorchvisions() {
        try (TensorScope scope = new TensorScope()) {
            FidInceptionV3 net = new FidInceptionV3();
            Map<String, Tensor> state = StateDict.of(net);
            assertTrue(state.containsKey("Mixed_6e.branch7x7dbl_5.conv.weight"));
            assertTrue(state.containsKey("Mixed_7b.branch3x3dbl_3b.bn.running_mean"));
            System.out.println("FID Inception parameters: " + StateDict.parameterCount(net));
        }
    }

    @Test
    void loadingNamesMissingKeysAndIgnoresTheClassifierAndCounters(@TempDir Path dir) {
        try (TensorScope scope = new TensorScope()) {
            FidInceptionV3 net = new FidInceptionV3();
            Map<String, Tensor> state = new LinkedHashMap<>(StateDict.of(net));
            state.put("fc.weight", org.bytedeco.pytorch.global.torch.zeros(1008, 2048));
            Path full = dir.resolve("full.safetensors");
            dev.vae4j.core.io.SafetensorsWriter.write(full, state, Map.of());
            FidInceptionV3.fromSafetensors(full);
            state.keySet().removeIf(k -> k.endsWith(".num_batches_tracked"));
            Path noCounters = dir.resolve("no-counters.safetensors");
            dev.vae4j.core.io.SafetensorsWriter.write(noCounters, state, Map.of());
            FidInceptionV3.fromSafetensors(noCounters);
            state.remove("Mixed_5b.branch1x1.conv.weight");
            Path partial = dir.resolve("partial.safetensors");
            dev.vae4j.core.io.SafetensorsWriter.write(partial, state, Map.of());
            WeightLoadingException e =
                    assertThrows(WeightLoadingException.class, () -> FidInceptionV3.fromSafetensors(partial));
            assertTrue(e.getMessage().contains("Mixed_5b.branch1x1.conv.weight"), e.getMessage());
        }
    }
}
