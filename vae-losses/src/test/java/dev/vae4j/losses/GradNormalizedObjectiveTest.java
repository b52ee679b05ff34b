package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.rand;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.bytedeco.pytorch.global.torch.softplus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.DiagonalGaussian;
import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.LossTerms;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link GradNormalizedObjective}: each gradient-normalised branch hands the reconstruction a gradient whose norm is
 * its weight whatever its loss scale (a missing gradnorm would give the raw, scale-dependent gradient), the GAN branch
 * waits for its start step, and the discriminator loss is the original's BCE (twice the vanilla loss).
 */
class GradNormalizedObjectiveTest {
    /** D(x) = mean over channels, one logit per pixel: differentiable and parameter-free. */
    private static final Discriminator MEAN_D = new Discriminator() {
        private final Module module = new Module();

        @Override
        public Tensor logits(Tensor images) {
            return images.mean(new long[] {1}, true, new org.bytedeco.pytorch.ScalarTypeOptional());
        }

        @Override
        public Module module() {
            return module;
        }
    };

    private static double gradientNorm(GradNormalizedConfig config, long step, double scale) {
        try (TensorScope scope = new TensorScope()) {
            Tensor x = rand(2, 3, 16, 16).mul(new Scalar(2)).sub(new Scalar(1));
            Tensor recon =
                    x.add(randn(2, 3, 16, 16).mul(new Scalar(scale))).detach().requires_grad_(true);
            DiagonalGaussian posterior = DiagonalGaussian.fromMoments(randn(2, 8, 4, 4));
            LossTerms loss =
                    new GradNormalizedObjective(config, null).generatorLoss(x, recon, posterior, MEAN_D, step, null);
            if (!loss.total().requires_grad()) {
                return 0.0;
            }
            loss.total().backward();
            return recon.grad().norm().item_double();
        }
    }

    /** v0.2's GAN setup (BCE sum, thresholded hinge from step 10), no LPIPS, KL, z penalty or LeCam. */
    private static GradNormalizedConfig branches(double pooled, double lowPass, double gan) {
        return GradNormalizedConfig.builder()
                .pooledWeight(pooled)
                .lowPassWeight(lowPass)
                .perceptualWeight(0)
                .ganWeight(gan)
                .discStart(10)
                .zPenaltyWeight(0)
                .lecamWeight(0)
                .discLoss(DiscriminatorLoss.VANILLA)
                .discLossScale(2.0)
                .generatorGan(VaeGanConfig.GeneratorGan.THRESHOLDED_HINGE)
                .build();
    }

    @Test
    void eachBranchContributesAGradientOfItsWeightWhateverTheLossScale() {
        for (double scale : new double[] {0.01, 1.0, 30.0}) {
            // 1e-3: the 1e-8 in the denominator is felt when a loss's raw gradient is tiny (scale 0.01).
            assertEquals(2.0, gradientNorm(branches(2.0, 0, 0), 0, scale), 1e-3, "pooled, scale " + scale);
            assertEquals(0.5, gradientNorm(branches(0, 0.5, 0), 0, scale), 1e-3, "low-pass, scale " + scale);
        }
        assertTrue(gradientNorm(branches(1.0, 1.0, 0), 0, 1.0) <= 2.0 + 1e-4);
    }

    @Test
    void theGanBranchStartsAtItsStep() {
        assertEquals(0.0, gradientNorm(branches(0, 0, 1.0), 9, 1.0), 0.0);
        double norm = gradientNorm(branches(0, 0, 1.0), 10, 1.0);
        assertTrue(norm == 0.0 || Math.abs(norm - 1.0) < 1e-4, "GAN branch gradient norm " + norm);
    }

    @Test
    void discriminatorLossIsTheSeedsBinaryCrossEntropy() {
        try (TensorScope scope = new TensorScope()) {
            Tensor x = rand(2, 3, 8, 8);
            Tensor y = rand(2, 3, 8, 8).neg();
            LossTerms d = new GradNormalizedObjective(branches(1, 0, 1), null).discriminatorLoss(x, y, MEAN_D, 0);
            double expected = softplus(MEAN_D.logits(x).neg())
                    .mean()
                    .add(softplus(MEAN_D.logits(y)).mean())
                    .item_double();
            assertEquals(expected, d.total().item_double(), 1e-6);
            assertFalse(d.terms().containsKey("total"));
        }
    }
}
