package dev.vae4j.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.DiagonalGaussian;
import dev.vae4j.core.model.QuantizedLatent;
import dev.vae4j.core.quant.CodebookUsage;
import dev.vae4j.core.quant.Quantization;
import dev.vae4j.core.quant.VectorQuantizer;
import dev.vae4j.core.quant.VectorQuantizerConfig;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.LossTerms;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * {@link VqGanObjective}: taming's total (nll + d_weight disc_factor g + codebook_weight qloss), its logged terms, the
 * codebook usage and perplexity against {@link CodebookUsage}, and its guards. Tolerance 1e-6 (float32 sums of the same
 * terms in another order).
 */
class VqGanObjectiveTest {
    private static final VqGanConfig CONFIG =
            new VqGanConfig(PixelDistance.L1, 0.0, 0.7, 0.8, 1.0, 2, DiscriminatorLoss.HINGE);

    private static TinyDiscriminator discriminator() {
        torch.manual_seed(3);
        return new TinyDiscriminator(
                Map.of(
                        "d.c0.weight", torch.randn(4, 3, 4, 4).mul(new Scalar(0.1)),
                        "d.c0.bias", torch.zeros(4),
                        "d.c1.weight", torch.randn(1, 4, 3, 3).mul(new Scalar(0.1)),
                        "d.c1.bias", torch.zeros(1)),
                "d",
                true);
    }

    private static Tensor decode(Tensor quantized, Tensor last) {
        Tensor upsampled = torch.upsample_nearest2d(quantized, new long[] {8, 8});
        return torch.conv2d(
                upsampled, last, new TensorOptional(), new long[] {1, 1}, new long[] {1, 1}, new long[] {1, 1}, 1);
    }

    @Test
    void addsTheWeightedQuantizerLossToTheGanTotalAndLogsUsage() {
        try (TensorScope s = new TensorScope()) {
            torch.manual_seed(0);
            VectorQuantizer quantizer = new VectorQuantizer(
                    VectorQuantizerConfig.builder(16, 3).beta(0.25).legacy(true).build());
            Tensor latents = torch.randn(2, 3, 4, 4).requires_grad_(true);
            Quantization quantization = quantizer.quantize(latents);
            Tensor last = torch.randn(3, 3, 3, 3).mul(new Scalar(0.3)).requires_grad_(true);
            Tensor x = torch.rand(2, 3, 8, 8).mul(new Scalar(2.0)).sub(new Scalar(1.0));
            Tensor recon = decode(quantization.quantized(), last);
            TinyDiscriminator d = discriminator();

            VqGanObjective objective = new VqGanObjective(CONFIG, null);
            LossTerms terms = objective.generatorLoss(x, recon, new QuantizedLatent(quantization), d, 5, last);
            assertEquals(
                    List.of(
                            "total",
                            "quant_loss",
                            "nll",
                            "rec",
                            "p",
                            "g",
                            "d_weight",
                            "disc_factor",
                            "usage",
                            "perplexity"),
                    List.copyOf(terms.terms().keySet()));
            Map<String, Double> v = terms.values();
            double nll = x.sub(recon).abs().mean().item_double();
            assertEquals(nll, v.get("nll"), 1e-6);
            assertEquals(nll, v.get("rec"), 1e-6);
            assertEquals(quantization.loss().item_double(), v.get("quant_loss"), 1e-7);
            assertEquals(1.0, v.get("disc_factor"), 0.0);
            assertTrue(v.get("d_weight") > 0, "the adaptive weight is on after disc_start");
            assertEquals(
                    v.get("nll") + v.get("d_weight") * v.get("g") + 0.7 * v.get("quant_loss"), v.get("total"), 1e-6);
            CodebookUsage usage = quantization.usage();
            assertEquals(usage.usedFraction(), v.get("usage"), 1e-12);
            assertEquals(usage.perplexity(), v.get("perplexity"), 1e-9);

            terms.total().backward();
            assertTrue(latents.grad().defined(), "the encoder side gets gradients through the straight-through codes");
            assertTrue(quantizer.codebook().grad().defined(), "the codebook gets the codebook term's gradient");
        }
    }

    @Test
    void beforeDiscStartTheGanTermIsOffAndTheDiscriminatorLossIsZero() {
        try (TensorScope s = new TensorScope()) {
            torch.manual_seed(1);
            VectorQuantizer quantizer = new VectorQuantizer(
                    VectorQuantizerConfig.builder(8, 3).beta(0.25).legacy(true).build());
            Quantization quantization = quantizer.quantize(torch.randn(1, 3, 4, 4));
            Tensor last = torch.randn(3, 3, 3, 3).requires_grad_(true);
            Tensor x = torch.rand(1, 3, 8, 8);
            Tensor recon = decode(quantization.quantized(), last);
            VqGanObjective objective = new VqGanObjective(CONFIG, null);
            Map<String, Double> v = objective
                    .generatorLoss(x, recon, new QuantizedLatent(quantization), discriminator(), 1, last)
                    .values();
            assertEquals(0.0, v.get("disc_factor"), 0.0);
            assertEquals(v.get("nll") + 0.7 * v.get("quant_loss"), v.get("total"), 1e-6);
            assertEquals(
                    0.0,
                    objective.discriminatorLoss(x, recon, discriminator(), 1).term("d_total"),
                    0.0);
            assertEquals(2L, objective.ganStart().orElseThrow());
        }
    }

    /**
     * pytorch-diffusion's form ({@link VqGanConfig#pytorchDiffusion()} with codebook weight 0, as upstream discards the
     * codebook loss): the discriminator loss counts from step 0, the generator's GAN term is neither computed nor added
     * before its start (g and d_weight logged as 0, the total is the NLL itself, and the codebook gets no gradient),
     * and from the start on it is as taming's.
     */
    @Test
    void pytorchDiffusionsFormStartsTheGanTermAfterTheDiscriminatorAndDropsTheCodebookLoss() {
        try (TensorScope s = new TensorScope()) {
            torch.manual_seed(4);
            VqGanConfig upstream = VqGanConfig.pytorchDiffusion();
            VqGanConfig config = new VqGanConfig(
                    PixelDistance.HUBER,
                    0.0,
                    0.0,
                    upstream.discWeight(),
                    upstream.discFactor(),
                    upstream.discStart(),
                    upstream.discLoss(),
                    3,
                    true);
            VqGanObjective objective = new VqGanObjective(config, null);
            assertEquals(3L, objective.ganStart().orElseThrow());
            VectorQuantizer quantizer = new VectorQuantizer(
                    VectorQuantizerConfig.builder(8, 3).beta(0.25).legacy(true).build());
            Tensor x = torch.rand(1, 3, 8, 8).mul(new Scalar(4.0)).sub(new Scalar(2.0));
            for (long step : new long[] {0, 2, 3}) {
                quantizer.codebook().mutable_grad().reset();
                Quantization quantization = quantizer.quantize(torch.randn(1, 3, 4, 4));
                Tensor last = torch.randn(3, 3, 3, 3).requires_grad_(true);
                Tensor recon = decode(quantization.quantized(), last);
                LossTerms terms = objective.generatorLoss(
                        x, recon, new QuantizedLatent(quantization), discriminator(), step, last);
                Map<String, Double> v = terms.values();
                double huber = torch.huber_loss(x, recon).item_double();
                assertEquals(huber, v.get("rec"), 1e-6);
                assertTrue(v.get("quant_loss") > 0, "the quantizer's loss is logged");
                assertTrue(
                        objective
                                        .discriminatorLoss(x, recon, discriminator(), step)
                                        .term("d_total")
                                > 0,
                        "the discriminator trains from step 0");
                if (step < 3) {
                    assertEquals(0.0, v.get("g"), 0.0);
                    assertEquals(0.0, v.get("d_weight"), 0.0);
                    assertEquals(0.0, v.get("disc_factor"), 0.0);
                    assertEquals(v.get("nll"), v.get("total"), 0.0);
                } else {
                    assertEquals(1.0, v.get("disc_factor"), 0.0);
                    assertTrue(v.get("d_weight") > 0, "the adaptive weight is on from gan start");
                    assertEquals(v.get("nll") + v.get("d_weight") * v.get("g"), v.get("total"), 1e-6);
                }
                terms.total().backward();
                assertTrue(
                        !quantizer.codebook().grad().defined(), "codebook weight 0: no gradient reaches the codebook");
            }
        }
    }

    @Test
    void rejectsContinuousPosteriorsAndBadWeights() {
        try (TensorScope s = new TensorScope()) {
            VqGanObjective objective = new VqGanObjective(CONFIG, null);
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> objective.generatorLoss(
                            torch.rand(1, 3, 8, 8),
                            torch.rand(1, 3, 8, 8),
                            DiagonalGaussian.fromMoments(torch.randn(1, 8, 2, 2)),
                            null,
                            0,
                            null));
            assertTrue(e.getMessage().contains("DiagonalGaussian"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new VqGanObjective(VqGanConfig.taming(), null));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new VqGanConfig(PixelDistance.L1, 0.0, -1.0, 0.8, 1.0, 0, DiscriminatorLoss.HINGE));
        assertTrue(e.getMessage().contains("codebook weight"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> new VqGanConfig(PixelDistance.L1, 0.0, 1.0, 0.8, 1.0, -1, DiscriminatorLoss.HINGE));
        e = assertThrows(
                IllegalArgumentException.class,
                () -> new VqGanConfig(PixelDistance.L1, 0.0, 1.0, 0.8, 1.0, 5, DiscriminatorLoss.HINGE, 4, false));
        assertEquals("gan start must be >= the disc start 5, got 4", e.getMessage());
    }
}
