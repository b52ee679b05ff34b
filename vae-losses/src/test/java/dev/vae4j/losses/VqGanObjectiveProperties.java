package dev.vae4j.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.QuantizedLatent;
import dev.vae4j.core.quant.Quantization;
import dev.vae4j.core.quant.VectorQuantizer;
import dev.vae4j.core.quant.VectorQuantizerConfig;
import dev.vae4j.core.tensor.TensorScope;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Invariants of {@link VqGanObjective} without a discriminator: the total is {@code nll + codebook_weight * qloss}
 * (1e-6 relative), the codebook usage lies in (0, 1] and the perplexity in [1, used codes].
 */
class VqGanObjectiveProperties {
    @Property(tries = 25)
    void totalIsNllPlusWeightedQuantizerLossAndUsageIsBounded(
            @ForAll @DoubleRange(min = 0.0, max = 5.0) double codebookWeight,
            @ForAll @IntRange(min = 1, max = 64) int codes,
            @ForAll @IntRange(min = 0, max = 1000) int seed) {
        try (TensorScope s = new TensorScope()) {
            torch.manual_seed(seed);
            VectorQuantizer quantizer = new VectorQuantizer(VectorQuantizerConfig.builder(codes, 3)
                    .beta(0.25)
                    .legacy(true)
                    .build());
            Quantization q = quantizer.quantize(torch.randn(2, 3, 4, 4).mul(new Scalar(0.1)));
            Tensor x = torch.rand(2, 3, 4, 4);
            Tensor recon = q.quantized().tanh();
            VqGanObjective objective = new VqGanObjective(
                    new VqGanConfig(PixelDistance.L2, 0.0, codebookWeight, 0.8, 1.0, 0, DiscriminatorLoss.VANILLA),
                    null);
            Map<String, Double> v = objective
                    .generatorLoss(x, recon, new QuantizedLatent(q), null, 0, null)
                    .values();
            double expected = v.get("nll") + codebookWeight * v.get("quant_loss");
            assertEquals(expected, v.get("total"), 1e-6 * Math.max(1.0, Math.abs(expected)));
            double used = v.get("usage") * codes;
            assertTrue(v.get("usage") > 0 && v.get("usage") <= 1, "usage " + v.get("usage"));
            assertTrue(
                    v.get("perplexity") >= 1 - 1e-9 && v.get("perplexity") <= used + 1e-6,
                    "perplexity " + v.get("perplexity") + " with " + used + " used codes");
        }
    }
}
