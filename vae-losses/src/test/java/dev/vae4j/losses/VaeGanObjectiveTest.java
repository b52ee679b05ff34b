package dev.vae4j.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.DiagonalGaussian;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.LossTerms;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Behaviour of {@link VaeGanObjective} beyond the parity fixtures: logged names, learnable logvar, guards. */
class VaeGanObjectiveTest {
    private static Map<String, Tensor> discWeights() {
        return Map.of(
                "d.c0.weight",
                torch.randn(4, 3, 4, 4).mul(new org.bytedeco.pytorch.Scalar(0.1)),
                "d.c0.bias",
                torch.zeros(4),
                "d.c1.weight",
                torch.randn(1, 4, 3, 3).mul(new org.bytedeco.pytorch.Scalar(0.1)),
                "d.c1.bias",
                torch.zeros(1));
    }

    @Test
    void logsEveryTermAndLearnsTheLogvar() {
        try (TensorScope s = new TensorScope()) {
            VaeGanConfig cfg = VaeGanConfig.ldm()
                    .withDiscStart(0)
                    .withLearnLogvar(true)
                    .withWeights(0.0, 1e-6, 0.5, 0.0, 1.0, DiscriminatorLoss.HINGE);
            VaeGanObjective objective = new VaeGanObjective(cfg, null);
            TinyDiscriminator d = new TinyDiscriminator(discWeights(), "d", true);
            Tensor last = torch.randn(3, 3, 3, 3).requires_grad_(true);
            Tensor x = torch.rand(2, 3, 8, 8);
            Tensor recon = torch.conv2d(
                    torch.randn(2, 3, 8, 8),
                    last,
                    new org.bytedeco.pytorch.TensorOptional(),
                    new long[] {1, 1},
                    new long[] {1, 1},
                    new long[] {1, 1},
                    1);
            DiagonalGaussian post = DiagonalGaussian.fromMoments(torch.randn(2, 8, 2, 2));
            LossTerms g = objective.generatorLoss(x, recon, post, d, 3, last);
            assertEquals(
                    List.of("total", "rec", "p", "nll", "kl", "g", "d_weight", "disc_factor", "logvar"),
                    List.copyOf(g.terms().keySet()));
            assertEquals(1, objective.parameters().size());
            g.total().backward();
            assertTrue(objective.parameters().get(0).grad().defined(), "logvar receives a gradient");
            LossTerms dl = objective.discriminatorLoss(x, recon, d, 3);
            assertEquals(
                    List.of("d_total", "disc", "logits_real", "logits_fake"),
                    List.copyOf(dl.terms().keySet()));
            assertThrows(IllegalArgumentException.class, () -> g.term("missing"));
        }
    }

    @Test
    void noGradEvaluationGivesZeroAdaptiveWeight() {
        try (TensorScope s = new TensorScope();
                NoGradGuard ng = new NoGradGuard()) {
            VaeGanObjective objective = new VaeGanObjective(
                    VaeGanConfig.ldm().withDiscStart(0).withWeights(0.0, 1e-6, 0.5, 0.0, 1.0, DiscriminatorLoss.HINGE),
                    null);
            TinyDiscriminator d = new TinyDiscriminator(discWeights(), "d", false);
            Tensor x = torch.rand(1, 3, 8, 8);
            LossTerms g = objective.generatorLoss(
                    x,
                    torch.rand(1, 3, 8, 8),
                    DiagonalGaussian.fromMoments(torch.randn(1, 8, 2, 2)),
                    d,
                    0,
                    torch.randn(3, 3, 3, 3));
            assertEquals(0.0, g.term("d_weight"), 0.0);
            assertTrue(Double.isFinite(g.term("total")));
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new VaeGanObjective(VaeGanConfig.ldm(), null));
        assertThrows(IllegalArgumentException.class, () -> new PooledMse(0));
        assertThrows(IllegalArgumentException.class, () -> new LowPassMse(4, 0.25));
        assertThrows(IllegalArgumentException.class, () -> new LowPassMse(3, 0.0));
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveWeight(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> DiscriminatorLoss.parse("wgan"));
        try (TensorScope s = new TensorScope()) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> PixelLoss.l1().loss(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 4)));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> new PooledMse(3).loss(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8)));
        }
    }
}
