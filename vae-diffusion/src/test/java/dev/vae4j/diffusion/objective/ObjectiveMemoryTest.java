package dev.vae4j.diffusion.objective;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.ResidentMemory;
import dev.vae4j.diffusion.PredictionType;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import java.util.Arrays;
import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * 300 training steps (both objectives, seeded draws, forward and backward), each in its own {@link TensorScope}:
 * resident memory must not keep growing. Each step creates about 2 MB of native tensors, so a leak adds about 600 MB
 * over the run and fails the 32 MiB bound.
 */
class ObjectiveMemoryTest {
    @Test
    void residentMemoryStaysFlatOver300Steps() {
        Assumptions.assumeTrue(ResidentMemory.available(), "RSS is read from /proc");
        double[] betas = new double[1000];
        Arrays.setAll(betas, i -> 1e-4 + i * (0.02 - 1e-4) / 999);
        DiffusionObjective discrete = DiffusionObjective.builder(NoiseSchedule.fromBetas(betas))
                .predictionType(PredictionType.V_PREDICTION)
                .minSnrGamma(5)
                .build();
        RectifiedFlowObjective flow = RectifiedFlowObjective.builder()
                .timeSampler(FlowTimeSampler.logitNormal(0, 1))
                .shift(3)
                .weighting(FlowLossWeighting.COSMAP)
                .build();
        TinyDenoiser denoiser = new TinyDenoiser(Map.of(
                "denoiser.weight", torch.randn(4, 4, 1, 1),
                "denoiser.bias", torch.randn(4),
                "denoiser.time_weight", torch.randn(4),
                "denoiser.class_embedding", torch.randn(3, 4)));
        Generator generator = torch.make_generator_cpu();
        generator.set_current_seed(7);
        Tensor labels = torch.zeros(8).to(torch.ScalarType.Long);
        double afterWarmUp = 0;
        double peak = 0;
        for (int i = 0; i < 300; i++) {
            try (TensorScope scope = new TensorScope()) {
                Tensor x0 = torch.randn(8, 4, 32, 32);
                discrete.compute(denoiser, x0, labels, generator).loss().backward();
                flow.compute(denoiser, x0, labels, generator).loss().backward();
            }
            if (i == 29) {
                System.gc();
                afterWarmUp = ResidentMemory.mib();
            }
            if (i >= 30 && i % 30 == 0) {
                peak = Math.max(peak, ResidentMemory.mib());
            }
        }
        double growth = Math.max(peak, ResidentMemory.mib()) - afterWarmUp;
        System.out.printf("memory: RSS after warm-up %.1f MiB, growth over 270 steps %.1f MiB%n", afterWarmUp, growth);
        assertTrue(growth < 32, "RSS grew by " + growth + " MiB");
    }
}
