package dev.vae4j.diffusion.dit;

import static org.bytedeco.pytorch.global.torch.randint;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.bytedeco.pytorch.global.torch.sum;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.ResidentMemory;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * 200 training-mode forward + backward passes of a small DiT at another size than its sample size (so every call
 * computes a position table), each in its own {@link TensorScope}: resident memory must not keep growing. Each step
 * creates about 2 MB of native tensors (activations, gradients, dropout masks), so a leak adds some 360 MB and fails
 * the 32 MiB bound.
 */
class DiTMemoryTest {
    @Test
    void residentMemoryStaysFlatOver200TrainingSteps() {
        Assumptions.assumeTrue(ResidentMemory.available(), "RSS is read from /proc");
        DiT model = new DiT(
                DiTConfig.builder(2, 16, 2).size(8, 2).classes(10).dropout(0.1).build());
        model.train(true);
        double afterWarmUp = 0;
        double peak = 0;
        for (int i = 0; i < 200; i++) {
            try (TensorScope scope = new TensorScope()) {
                Tensor latents = randn(4, 4, 16, 16);
                Tensor t = randint(1000, new long[] {4}).to(org.bytedeco.pytorch.global.torch.ScalarType.Float);
                Tensor labels = randint(10, new long[] {4});
                sum(model.predict(latents, t, labels).square()).backward();
                model.zero_grad(true);
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
                "memory: RSS after warm-up %.1f MiB, growth over 180 DiT steps %.1f MiB%n", afterWarmUp, growth);
        assertTrue(growth < 32, "RSS grew by " + growth + " MiB");
    }
}
