package dev.vae4j.core.model;

import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.ResidentMemory;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * 200 encode+decode calls in one process, each in its own {@link TensorScope}: resident memory must not keep growing.
 * Each call creates roughly 2 MB of native tensors, so a leak (e.g. dropping the scope) adds about 400 MB over the run
 * and fails the 32 MiB bound.
 */
class EncodeDecodeMemoryTest {
    @Test
    void residentMemoryStaysFlatOver200EncodeDecodes() {
        Assumptions.assumeTrue(ResidentMemory.available(), "RSS is read from /proc");
        AutoencoderKL model = new AutoencoderKL(AutoencoderKLTest.modelConfig());
        double afterWarmUp = 0;
        double peak = 0;
        for (int i = 0; i < 200; i++) {
            try (TensorScope scope = new TensorScope();
                    InferenceMode inference = new InferenceMode()) {
                Tensor images = randn(2, 3, 64, 64);
                Tensor decoded = model.decode(model.encode(images).mode());
                assertTrue(decoded.size(2) == 64);
            }
            if (i == 19) {
                System.gc();
                afterWarmUp = ResidentMemory.mib();
            }
            if (i >= 20 && i % 20 == 0) {
                peak = Math.max(peak, ResidentMemory.mib());
            }
        }
        double growth = Math.max(peak, ResidentMemory.mib()) - afterWarmUp;
        System.out.printf(
                "memory: RSS after warm-up %.1f MiB, growth over 180 encode+decode %.1f MiB%n", afterWarmUp, growth);
        assertTrue(growth < 32, "RSS grew by " + growth + " MiB");
    }
}
