package dev.vae4j.diffusion.unet;

import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.ResidentMemory;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * 200 prediction + backward steps on 32x32 latents, each in its own {@link TensorScope}: resident memory must not keep
 * growing. Each step creates several MB of native tensors, so a leak adds hundreds of MB and fails the 32 MiB bound.
 */
class LatentUNetMemoryTest {
    @Test
    void residentMemoryStaysFlatOver200TrainingSteps() {
        Assumptions.assumeTrue(ResidentMemory.available(), "RSS is read from /proc");
        manual_seed(7);
        LatentUNet model = new LatentUNet(LatentUNetTest.tiny(5, true));
        double afterWarmUp = 0;
        double peak = 0;
        for (int i = 0; i < 200; i++) {
            try (TensorScope scope = new TensorScope()) {
                Tensor x = randn(2, 4, 32, 32);
                Tensor labels = torch.tensor(new long[] {1, 3});
                Tensor t = torch.tensor(new float[] {10, 400});
                model.predict(x, t, labels).square().mean().backward();
                model.zero_grad(true);
                assertTrue(x.size(2) == 32);
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
        System.out.printf("memory: RSS after warm-up %.1f MiB, growth over 180 steps %.1f MiB%n", afterWarmUp, growth);
        assertTrue(growth < 32, "RSS grew by " + growth + " MiB");
    }
}
