package dev.vae4j.losses;

import static dev.vae4j.core.testing.Fixtures.maxAbsDiff;
import static org.bytedeco.pytorch.global.torch.conv2d;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.model.DiagonalGaussian;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.train.LossTerms;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Parity with the references, fixtures from {@code tools/reference/gen_losses.py}: pip {@code lpips} 0.1.4 with a
 * narrow seeded VGG16 trunk and heads; LDM {@code LPIPSWithDiscriminator} math (three configurations, including the
 * adaptive weight, the gradient at the last layer and both discriminator losses) and diffusers' AutoencoderKL training
 * script; KL, pixel, pooled MSE, GAN losses, gradnorm, R1 and LeCam on fixed tensors. Every comparison is relative:
 * {@code max|diff| <= 1e-5 * max(1, max|expected|)}, fp32 on the CPU.
 */
@Tag("parity")
class LossParityTest {
    private static final double REL = 1e-5;
    private static TensorScope scope;
    private static Lpips lpips;
    private static Map<String, Tensor> lp;
    private static Map<String, Tensor> ldm;
    private static Map<String, Tensor> small;

    @BeforeAll
    static void load() {
        scope = new TensorScope();
        Path dir = Fixtures.dir("losses");
        lpips = Lpips.fromSafetensors(dir.resolve("lpips_weights.safetensors"));
        lp = loadAll(dir.resolve("lpips_io.safetensors"));
        ldm = loadAll(dir.resolve("ldm_io.safetensors"));
        small = loadAll(dir.resolve("small_io.safetensors"));
    }

    @AfterAll
    static void free() {
        scope.close();
    }

    private static Map<String, Tensor> loadAll(Path file) {
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            return r.loadAll();
        }
    }

    static double assertRel(String label, Tensor expected, Tensor actual) {
        double scale = Math.max(1.0, expected.abs().max().item_double());
        double diff = maxAbsDiff(expected, actual);
        System.out.printf(
                "parity %-44s max|diff| = %.3e  rel %.3e (tol %.0e) margin %.1fx%n",
                label, diff, diff / scale, REL, REL * scale / diff);
        assertTrue(diff <= REL * scale, label + ": max|diff| " + diff + " > " + REL * scale);
        return diff;
    }

    static void assertRel(String label, Tensor expected, double actual) {
        assertRel(
                label, expected, torch.tensor(actual).to(torch.ScalarType.Float).reshape());
    }

    @Test
    void lpipsMatchesPipLpips() {
        try (TensorScope s = new TensorScope();
                NoGradGuard ng = new NoGradGuard()) {
            assertRel("lpips (2,1,1,1)", lp.get("lpips"), lpips.forward(lp.get("x0"), lp.get("x1")));
            assertRel("lpips odd size", lp.get("lpips_y"), lpips.forward(lp.get("y0"), lp.get("y1")));
            assertRel(
                    "lpips spatial (1,1,36,44)", lp.get("lpips_spatial"), lpips.spatialMap(lp.get("y0"), lp.get("y1")));
        }
        try (TensorScope s = new TensorScope()) {
            Tensor x0 = lp.get("x0").clone().requires_grad_(true);
            lpips.forward(x0, lp.get("x1")).sum().backward();
            assertRel("lpips grad x0", lp.get("lpips_grad_x0"), x0.grad());
        }
    }

    @Test
    void ldmAndDiffusersScriptObjectivesMatch() {
        for (String name : new String[] {"ldm_hinge", "ldm_before_start", "ldm_vanilla_logvar", "diffusers_script"}) {
            try (TensorScope s = new TensorScope()) {
                VaeGanConfig cfg = switch (name) {
                    case "ldm_hinge", "ldm_before_start" -> VaeGanConfig.ldm().withDiscStart(5);
                    case "ldm_vanilla_logvar" ->
                        VaeGanConfig.ldm()
                                .withDiscStart(0)
                                .withWeights(0.3, 1e-2, 0.8, 0.7, 0.5, DiscriminatorLoss.VANILLA);
                    default -> VaeGanConfig.diffusersTrainScript().withDiscStart(3);
                };
                long step = switch (name) {
                    case "ldm_hinge" -> 7;
                    case "ldm_before_start" -> 4;
                    case "ldm_vanilla_logvar" -> 0;
                    default -> 3;
                };
                VaeGanObjective objective = new VaeGanObjective(cfg, lpips);
                TinyDiscriminator disc = new TinyDiscriminator(ldm, "disc", false);
                Tensor last = ldm.get("last_w").clone().requires_grad_(true);
                Tensor recon = conv2d(
                        ldm.get("h"),
                        last,
                        new TensorOptional(ldm.get("last_b")),
                        new long[] {1, 1},
                        new long[] {1, 1},
                        new long[] {1, 1},
                        1);
                DiagonalGaussian posterior = DiagonalGaussian.fromMoments(torch.cat(
                        new org.bytedeco.pytorch.TensorVector(ldm.get("post_mean"), ldm.get("post_logvar")), 1));
                LossTerms g = objective.generatorLoss(ldm.get("x"), recon, posterior, disc, step, last);
                for (String term : new String[] {"total", "nll", "rec", "kl", "p", "g", "d_weight", "disc_factor"}) {
                    assertRel(name + " " + term, ldm.get(name + "." + term), g.term(term));
                }
                assertEquals(g.term("total"), g.total().item_double(), 0.0);
                g.total().backward();
                assertRel(name + " grad last layer", ldm.get(name + ".grad_last"), last.grad());
                LossTerms d = objective.discriminatorLoss(ldm.get("x"), recon, disc, step);
                for (String term : new String[] {"disc", "logits_real", "logits_fake"}) {
                    assertRel(name + " " + term, ldm.get(name + "." + term), d.term(term));
                }
            }
        }
    }

    @Test
    void smallLossesMatch() {
        try (TensorScope s = new TensorScope()) {
            assertRel(
                    "kl to N(0,I)",
                    small.get("kl_std"),
                    KlDivergence.toStandardNormal(small.get("m1"), small.get("lv1")));
            assertRel(
                    "kl between",
                    small.get("kl_between"),
                    KlDivergence.between(small.get("m1"), small.get("lv1"), small.get("m2"), small.get("lv2")));
            Tensor a = small.get("a");
            Tensor b = small.get("b");
            assertRel("l1", small.get("l1"), PixelLoss.l1().loss(a, b));
            assertRel("mse", small.get("mse"), PixelLoss.mse().loss(a, b));
            assertRel("pooled mse k4", small.get("pooled_mse_4"), new PooledMse(4).loss(a, b));
            assertRel("pooled mse = area interpolate k4", small.get("pooled_mse_area_4"), new PooledMse(4).loss(a, b));
            Tensor r = small.get("logits_real");
            Tensor f = small.get("logits_fake");
            assertRel("hinge d loss", small.get("hinge_d"), DiscriminatorLoss.HINGE.loss(r, f));
            assertRel("vanilla d loss", small.get("vanilla_d"), DiscriminatorLoss.VANILLA.loss(r, f));
            assertRel("g loss", small.get("g_loss"), GeneratorGanLoss.negativeMean(f));
            assertRel(
                    "thresholded hinge", small.get("thresholded_hinge"), GeneratorGanLoss.thresholdedHinge(r, f, 0.1));
            for (String mode : new String[] {"whole", "batch"}) {
                GradNorm gn = new GradNorm(mode.equals("whole") ? GradNorm.Mode.WHOLE : GradNorm.Mode.BATCH, 1.0);
                Tensor x = small.get("gn_x").clone().requires_grad_(true);
                small.get("gn_c")
                        .mul(gn.apply(x).pow(new org.bytedeco.pytorch.Scalar(2)))
                        .sum()
                        .backward();
                assertRel("gradnorm " + mode, small.get("gn_grad_" + mode), x.grad());
            }
            TinyDiscriminator d = new TinyDiscriminator(small, "r1disc", true);
            Tensor r1 = new R1Penalty(10.0).penalty(d, small.get("r1_real"));
            assertRel("r1 gamma 10", small.get("r1_gamma10"), r1);
            r1.backward();
            assertRel(
                    "r1 grad into D",
                    small.get("r1_grad_c1_weight"),
                    d.c1Weight().grad());
            LeCamRegularizer lecam = new LeCamRegularizer(0.9);
            for (int t = 0; t < 3; t++) {
                Tensor lr = small.get("lecam_real_" + t);
                Tensor lf = small.get("lecam_fake_" + t);
                assertRel("lecam step " + t, small.get("lecam_" + t), lecam.regularization(lr, lf));
                lecam.update(lr, lf);
            }
        }
    }
}
