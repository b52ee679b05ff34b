package dev.vae4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.quant.Quantization;
import dev.vae4j.core.tensor.TensorScope;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Invariants of {@link PytorchDiffusionVQConfig} and of {@link PytorchDiffusionVQModel}'s quantizer: the folder config
 * round-trips; the legacy loss's two terms have equal forward values, so the loss is (1 + commitment cost) times the
 * mean squared quantization error; codes quantize to themselves.
 */
class PytorchDiffusionVQProperties {
    private static PytorchDiffusionVQConfig config(int codes, int dim, double beta) {
        AutoencoderKLConfig backbone = PytorchDiffusionVaeConfig.fromModelBlock(
                ModelConfig.parse("{\"enc_init_channels\": 4, \"ch_mult\": [1, 2], \"grnorm_groups\": 2,"
                        + " \"resnet_stacks\": 1, \"latent_dim\": 2, \"attn_heads\": 1, \"attn_dim\": 4}"));
        return new PytorchDiffusionVQConfig(backbone, codes, dim, beta, codes % 2 == 0);
    }

    @Property(tries = 30)
    void folderConfigRoundTrips(
            @ForAll @IntRange(min = 1, max = 100_000) int codes,
            @ForAll @IntRange(min = 1, max = 512) int dim,
            @ForAll @DoubleRange(min = 0, max = 10) double beta) {
        PytorchDiffusionVQConfig config = config(codes, dim, beta);
        assertEquals(config, PytorchDiffusionVQConfig.fromConfig(config.toConfig()));
    }

    @Property(tries = 20)
    void lossIsOnePlusBetaTimesTheQuantizationErrorAndCodesAreFixedPoints(
            @ForAll @IntRange(min = 2, max = 64) int codes,
            @ForAll @IntRange(min = 1, max = 8) int dim,
            @ForAll @DoubleRange(min = 0, max = 2) double beta,
            @ForAll @IntRange(min = 0, max = 1000) int seed) {
        try (TensorScope scope = new TensorScope()) {
            PytorchDiffusionVQModel model = new PytorchDiffusionVQModel(config(codes, dim, beta));
            Generator generator = torch.createCPUGenerator(seed);
            Tensor latents = torch.randn(
                            new long[] {2, dim, 3, 3},
                            new GeneratorOptional(generator),
                            new TensorOptions(ScalarType.Float))
                    .mul(new Scalar(0.05));
            Quantization q = model.quantize(latents);
            double mse = q.quantized().sub(latents).square().mean().item_double();
            assertEquals((1 + beta) * mse, q.loss().item_double(), 1e-6 * (1 + mse));
            Quantization again = model.quantize(q.quantized());
            assertTrue(again.indices().equal(q.indices()), "codes must quantize to themselves");
            assertEquals(
                    List.of(2L, 3L, 3L),
                    List.of(
                            q.indices().size(0),
                            q.indices().size(1),
                            q.indices().size(2)));
        }
    }
}
