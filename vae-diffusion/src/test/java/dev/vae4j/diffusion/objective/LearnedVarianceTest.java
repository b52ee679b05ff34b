package dev.vae4j.diffusion.objective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.Denoiser;
import dev.vae4j.diffusion.PredictionType;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** A denoiser that appends learned-variance channels (DiT's learned sigma) is trained on its first C channels only. */
class LearnedVarianceTest {

    /** Predicts its input in the first C channels and 1e6 in C variance channels. */
    private record WithVariance(int channels) implements Denoiser {
        @Override
        public Tensor predict(Tensor latents, Tensor timesteps, Tensor labels) {
            return torch.cat(new TensorVector(latents, torch.full_like(latents, new Scalar(1e6))), 1);
        }

        @Override
        public int latentChannels() {
            return channels;
        }

        @Override
        public int predictionChannels() {
            return 2 * channels;
        }

        @Override
        public int numClasses() {
            return 0;
        }

        @Override
        public boolean hasUnconditionalPrediction() {
            return true;
        }
    }

    @Test
    void varianceChannelsGetNoLoss() {
        try (TensorScope scope = new TensorScope()) {
            Tensor x0 = torch.randn(2, 3, 4, 4);
            Tensor noise = torch.randn(2, 3, 4, 4);
            DiffusionObjective discrete = DiffusionObjective.builder(NoiseSchedule.fromBetas(new double[] {0.5, 0.5}))
                    .predictionType(PredictionType.SAMPLE)
                    .build();
            Tensor t = torch.zeros(2).to(torch.ScalarType.Long);
            ObjectiveTerms terms = discrete.compute(new WithVariance(3), x0, null, t, noise);
            assertArrayEquals(
                    x0.sizes().vec().get(), terms.prediction().sizes().vec().get());
            Tensor expected = RegressionLoss.L2.mean(terms.noisyLatents(), x0);
            assertEquals(expected.item_double(), terms.loss().item_double(), 1e-7);

            RectifiedFlowObjective flow = RectifiedFlowObjective.builder().build();
            ObjectiveTerms flowTerms =
                    flow.compute(new WithVariance(3), x0, null, torch.full(new long[] {2}, new Scalar(0.5)), noise);
            assertArrayEquals(
                    x0.sizes().vec().get(), flowTerms.prediction().sizes().vec().get());
            assertEquals(
                    RegressionLoss.L2
                            .mean(flowTerms.noisyLatents(), noise.sub(x0))
                            .item_double(),
                    flowTerms.loss().item_double(),
                    1e-6);
        }
    }
}
