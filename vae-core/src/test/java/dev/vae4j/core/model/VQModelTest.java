package dev.vae4j.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.WeightLoadingException;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Path;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link VQModel}'s argument checks, the quantizer it exposes, strict loading of a mismatched checkpoint, and the
 * limits of the {@code norm_type spatial} decoder.
 */
class VQModelTest {
    private static final Path CASE = Fixtures.dir("vq_model/no_mid_attention");

    @Test
    void badShapesAndIndicesAreRejectedByName() {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            VQModel model = new VQModel(VQModelConfig.read(CASE.resolve("config.json")));
            IllegalArgumentException sides =
                    assertThrows(IllegalArgumentException.class, () -> model.encodeLatents(torch.zeros(1, 3, 10, 16)));
            assertTrue(sides.getMessage().contains("images"), sides.getMessage());
            assertThrows(IllegalArgumentException.class, () -> model.decode(torch.zeros(1, 3, 4, 4)));
            IllegalArgumentException range = assertThrows(
                    IllegalArgumentException.class,
                    () -> model.decodeIndices(
                            torch.full(new long[] {1, 2, 2}, new Scalar(64L)).to(torch.ScalarType.Long)));
            assertTrue(range.getMessage().contains("outside [0, 64)"), range.getMessage());
            assertEquals(64, model.quantizer().orElseThrow().indexRange());
        }
    }

    @Test
    void spatialNormModelsHaveNoLdmConversion(@TempDir Path dir) {
        Path spatial = Fixtures.dir("vq_model/spatial");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> VQCheckpointConverter.diffusersToLdm(spatial, dir.resolve("ldm.safetensors"), ""));
        assertTrue(e.getMessage().contains("norm_type 'spatial' (MoVQ): no LDM/CompVis"), e.getMessage());
    }

    @Test
    void aSpatialNormDecoderNeedsTheQuantizedLatent() {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            VQModelConfig config = VQModelConfig.read(Fixtures.dir("vq_model/spatial/config.json"));
            Decoder decoder = Decoder.spatial(config.backbone(), config.codeDim());
            IllegalStateException e =
                    assertThrows(IllegalStateException.class, () -> decoder.forward(torch.zeros(1, 4, 4, 4)));
            assertTrue(e.getMessage().contains("forward(z, zq)"), e.getMessage());
            assertArrayEquals(
                    new long[] {1, 3, 8, 8},
                    decoder.forward(torch.zeros(1, 4, 4, 4), torch.zeros(1, 4, 4, 4))
                            .sizes()
                            .vec()
                            .get());
        }
    }

    @Test
    void checkpointOfAnotherArchitectureIsRefusedListingTheKeys() {
        try (TensorScope scope = new TensorScope()) {
            VQModelConfig other = VQModelConfig.read(Fixtures.dir("vq_model/ldm_layout/config.json"));
            VQModel model = new VQModel(other);
            WeightLoadingException e = assertThrows(
                    WeightLoadingException.class,
                    () -> model.loadWeights(CASE.resolve("diffusion_pytorch_model.safetensors"), true));
            assertTrue(e.getMessage().contains("shape mismatch"), e.getMessage());
            assertTrue(e.details().contains("quantize.embedding.weight"), e.details());
        }
    }
}
