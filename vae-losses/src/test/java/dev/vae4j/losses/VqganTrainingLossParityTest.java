package dev.vae4j.losses;

import static dev.vae4j.losses.LossParityTest.assertRel;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.model.DiagonalGaussian;
import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.train.LossTerms;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * cloneofsimo/vqgan-training's objective pieces against its own {@code vae_trainer.py} (HEAD 379fe36 and v0.2 521df37,
 * {@code tools/reference/gen_vqgan_training.py}): gradnorm (HEAD's all-reduced whole-tensor norm with weights 1 and
 * 0.001, v0.2's norm over the batch), the discriminator losses (HEAD bce/hinge halved, v0.2's BCE sum), the generator
 * GAN losses (HEAD bce / {@code -mean}, v0.2 thresholded hinge), HEAD's z penalty and three discriminator steps of
 * HEAD's inline LeCam code, both through the pieces and through {@link GradNormalizedObjective}. Relative 1e-5.
 */
@Tag("parity")
class VqganTrainingLossParityTest {
    private static TensorScope scope;
    private static Map<String, Tensor> io;

    @BeforeAll
    static void load() {
        scope = new TensorScope();
        try (SafetensorsReader r =
                SafetensorsReader.open(Fixtures.dir("vqgan_training_losses").resolve("losses.safetensors"))) {
            io = r.loadAll();
        }
    }

    @AfterAll
    static void free() {
        scope.close();
    }

    private static Tensor gradThrough(GradNorm gradNorm) {
        Tensor x = io.get("gn_x").clone().requires_grad_(true);
        io.get("gn_c").mul(gradNorm.apply(x).pow(new Scalar(2))).sum().backward();
        return x.grad();
    }

    @Test
    void gradNormMatchesBothVersions() {
        assertRel(
                "gradnorm HEAD weight 1", io.get("gn_head_grad_1"), gradThrough(new GradNorm(GradNorm.Mode.WHOLE, 1)));
        assertRel(
                "gradnorm HEAD weight 0.001",
                io.get("gn_head_grad_0_001"),
                gradThrough(new GradNorm(GradNorm.Mode.WHOLE, 0.001)));
        assertRel("gradnorm v0.2 (batch)", io.get("gn_v02_grad"), gradThrough(new GradNorm(GradNorm.Mode.BATCH, 1)));
    }

    @Test
    void ganLossesMatchBothVersions() {
        Tensor real = io.get("logits_real");
        Tensor fake = io.get("logits_fake");
        assertRel("D HEAD bce", io.get("d_head_bce"), DiscriminatorLoss.VANILLA.loss(real, fake));
        assertRel("D HEAD hinge", io.get("d_head_hinge"), DiscriminatorLoss.HINGE.loss(real, fake));
        assertRel(
                "D v0.2 BCE sum",
                io.get("d_v02"),
                DiscriminatorLoss.VANILLA.loss(real, fake).mul(new Scalar(2)));
        assertRel("G HEAD bce", io.get("g_head_bce"), VaeGanConfig.GeneratorGan.BCE.loss(() -> real, fake, 0.1));
        assertRel(
                "G HEAD hinge",
                io.get("g_head_hinge"),
                VaeGanConfig.GeneratorGan.NEGATIVE_MEAN.loss(() -> real, fake, 0.1));
        assertRel(
                "G v0.2 thresholded hinge",
                io.get("g_v02"),
                VaeGanConfig.GeneratorGan.THRESHOLDED_HINGE.loss(() -> real, fake, 0.1));
    }

    @Test
    void lecamStepsMatchHeadsInlineCode() {
        LeCamRegularizer lecam = new LeCamRegularizer(0.9, false);
        for (int t = 0; t < 3; t++) {
            Tensor real = io.get("lecam_real_" + t);
            Tensor fake = io.get("lecam_fake_" + t);
            lecam.update(real, fake);
            Tensor reg = lecam.regularization(real, fake);
            assertRel("LeCam step " + t, io.get("lecam_loss_" + t), reg);
            assertRel(
                    "hinge + 0.1 LeCam step " + t,
                    io.get("lecam_total_d_" + t),
                    DiscriminatorLoss.HINGE.loss(real, fake).add(reg.mul(new Scalar(0.1))));
            Tensor anchors = io.get("lecam_anchors_" + t);
            assertEquals(anchors.get(0).item_double(), lecam.emaReal(), 1e-6, "real anchor " + t);
            assertEquals(anchors.get(1).item_double(), lecam.emaFake(), 1e-6, "fake anchor " + t);
        }
    }

    /** Returns the fixture's logits whatever the images: the objective's discriminator side is then HEAD's step. */
    private static final class FixedLogits implements Discriminator {
        private final Module module = new Module();
        private Tensor real;
        private Tensor fake;

        @Override
        public Tensor logits(Tensor images) {
            return images.sum().item_double() > 0 ? real : fake;
        }

        @Override
        public Module module() {
            return module;
        }
    }

    @Test
    void objectiveMatchesHeadsDiscriminatorStepAndZPenalty() {
        GradNormalizedObjective objective = new GradNormalizedObjective(
                GradNormalizedConfig.builder().perceptualWeight(0).build(), null);
        FixedLogits d = new FixedLogits();
        Tensor ones = io.get("x").abs().add(new Scalar(1));
        for (int t = 0; t < 3; t++) {
            d.real = io.get("lecam_real_" + t);
            d.fake = io.get("lecam_fake_" + t);
            LossTerms terms = objective.discriminatorLoss(ones, ones.neg(), d, t);
            assertRel("objective D step " + t, io.get("lecam_total_d_" + t), terms.total());
        }
        DiagonalGaussian posterior = DiagonalGaussian.multiplicative(io.get("z"), 0.0);
        LossTerms g = objective.generatorLoss(io.get("x"), io.get("y"), posterior, null, 0, null);
        assertRel("objective z penalty (vae_loss_function)", io.get("vae_loss"), g.total());
    }
}
