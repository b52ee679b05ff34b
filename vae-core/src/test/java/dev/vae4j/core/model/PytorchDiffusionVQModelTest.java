package dev.vae4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.CheckpointLayout;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PytorchDiffusionVQConfig} reading and writing, layout detection and one-line errors on bad input. */
class PytorchDiffusionVQModelTest {
    @TempDir
    Path tmp;

    private static PytorchDiffusionVQConfig fixtureConfig() {
        return PytorchDiffusionVQConfig.readTrainingConfig(
                Fixtures.dir("pytorch_diffusion_vq").resolve("upstream_config.json"));
    }

    @Test
    void trainingConfigReadsTheQuantizerKeysAndTheVaeBackbone() {
        PytorchDiffusionVQConfig config = fixtureConfig();
        assertEquals(16, config.numVqEmbeddings());
        assertEquals(5, config.vqEmbedDim());
        assertEquals(0.3, config.commitmentCost());
        assertEquals(3, config.latentChannels());
        assertEquals(4, config.downsamplingFactor());
        assertEquals(1, config.backbone().options().momentsPerLatent());
        assertEquals(List.of(4, 8, 16), config.backbone().blockOutChannels());
        assertTrue(PytorchDiffusionVQConfig.isTrainingConfig(
                Fixtures.dir("pytorch_diffusion_vq").resolve("upstream_config.json")));
    }

    @Test
    void folderConfigRoundTrips() {
        PytorchDiffusionVQConfig config = fixtureConfig();
        Path file = tmp.resolve("config.json");
        config.write(file);
        assertEquals(config, PytorchDiffusionVQConfig.read(file));
        assertEquals(PytorchDiffusionVQConfig.CLASS_NAME, ModelConfig.read(file).className());
    }

    @Test
    void defaultsAreSetVqModelsAndTanhEncodingIsOff() {
        PytorchDiffusionVQConfig config = PytorchDiffusionVQConfig.fromModelBlock(ModelConfig.parse(
                "{\"enc_init_channels\": 4, \"ch_mult\": [1, 2], \"grnorm_groups\": 2," + " \"latent_dim\": 3}"));
        assertEquals(3, config.vqEmbedDim());
        assertEquals(0.25, config.commitmentCost());
        assertEquals(256, config.numVqEmbeddings());
        assertFalse(config.encodeTanhOut());
        assertTrue(PytorchDiffusionVQConfig.fromModelBlock(
                        ModelConfig.parse("{\"ch_mult\": [1, 2], \"grnorm_groups\": 2, \"encode_tanh_out\": true}"))
                .encodeTanhOut());
    }

    @Test
    void badQuantizerValuesAreOneLineErrorsNamingTheKey() throws Exception {
        Path file = tmp.resolve("train.json");
        Files.writeString(file, "{\"model\": {\"ch_mult\": [1, 2], \"num_vq_embeddings\": 0}}");
        ConfigFormatException e =
                assertThrows(ConfigFormatException.class, () -> PytorchDiffusionVQConfig.readTrainingConfig(file));
        assertTrue(e.getMessage().contains("num_vq_embeddings must be >= 1, got 0"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        Files.writeString(file, "{\"model\": {\"ch_mult\": [1, 2], \"legacy_mid\": true}}");
        e = assertThrows(ConfigFormatException.class, () -> PytorchDiffusionVQConfig.readTrainingConfig(file));
        assertTrue(e.getMessage().contains("legacy_mid"), e.getMessage());
        Files.writeString(file, "{\"model\": {\"ch_mult\": [1, 2], \"commitment_cost\": -1}}");
        e = assertThrows(ConfigFormatException.class, () -> PytorchDiffusionVQConfig.readTrainingConfig(file));
        assertTrue(e.getMessage().contains("commitment_cost must be finite and >= 0, got -1.0"), e.getMessage());
    }

    @Test
    void layoutIsDetectedFromTheCodebookKey() {
        List<String> vae = List.of("_encoder.init_conv.weight", "pre_quantizer.weight", "_decoder.conv_in.weight");
        List<String> vq = List.of("_encoder.init_conv.weight", "_vq._embedding.weight", "_decoder.conv_in.weight");
        assertEquals(
                CheckpointLayout.PYTORCH_DIFFUSION_VAE,
                CheckpointLayout.detect(vae).orElseThrow());
        assertEquals(
                CheckpointLayout.PYTORCH_DIFFUSION_VQ,
                CheckpointLayout.detect(vq).orElseThrow());
        assertEquals(CheckpointLayout.PYTORCH_DIFFUSION_VQ, CheckpointLayout.parse("pytorch-diffusion-vq"));
    }

    @Test
    void badTensorsAreIllegalArgumentsNamingTheShape() {
        try (TensorScope scope = new TensorScope()) {
            PytorchDiffusionVQModel model = new PytorchDiffusionVQModel(fixtureConfig());
            Tensor twoChannels = torch.zeros(1, 2, 16, 16);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> model.encodeLatents(twoChannels));
            assertTrue(e.getMessage().startsWith("images"), e.getMessage());
            Tensor oddSide = torch.zeros(1, 3, 18, 16);
            assertThrows(IllegalArgumentException.class, () -> model.encodeLatents(oddSide));
            Tensor latents = torch.zeros(1, 3, 4, 4);
            assertThrows(IllegalArgumentException.class, () -> model.decode(latents));
            Tensor outOfRange = torch.full(new long[] {1, 4, 4}, new org.bytedeco.pytorch.Scalar(16L))
                    .to(org.bytedeco.pytorch.global.torch.ScalarType.Long);
            assertThrows(IllegalArgumentException.class, () -> model.decodeIndices(outOfRange));
        }
    }

    @Test
    void codesStartUniformInPlusMinusMaxOfAThousandthAndOneOverK() {
        try (TensorScope scope = new TensorScope()) {
            PytorchDiffusionVQConfig small = fixtureConfig();
            double few = new PytorchDiffusionVQModel(small)
                    .vectorQuantizer()
                    .codebook()
                    .abs()
                    .max()
                    .item_double();
            assertTrue(few <= 1.0 / 16 && few > 0.5 / 16, "max |code| " + few);
            PytorchDiffusionVQConfig many = new PytorchDiffusionVQConfig(
                    small.backbone(), 4096, small.vqEmbedDim(), small.commitmentCost(), false);
            double range = new PytorchDiffusionVQModel(many)
                    .vectorQuantizer()
                    .codebook()
                    .abs()
                    .max()
                    .item_double();
            assertTrue(range <= 1e-3 && range > 0.9e-3, "max |code| " + range);
        }
    }

    @Test
    void encodeGivesTheQuantizedLatentsAndDecodeTheImageShape() {
        try (TensorScope scope = new TensorScope()) {
            PytorchDiffusionVQModel model = new PytorchDiffusionVQModel(fixtureConfig());
            Tensor images = torch.randn(2, 3, 16, 16);
            Tensor z = model.encode(images).mean();
            assertEquals(List.of(2L, 5L, 4L, 4L), List.of(z.size(0), z.size(1), z.size(2), z.size(3)));
            Tensor decoded = model.decode(z);
            assertEquals(
                    List.of(2L, 3L, 16L, 16L),
                    List.of(decoded.size(0), decoded.size(1), decoded.size(2), decoded.size(3)));
            assertTrue(model.quantizer().isPresent());
        }
    }
}
