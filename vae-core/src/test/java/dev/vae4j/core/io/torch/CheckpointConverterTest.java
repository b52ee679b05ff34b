package dev.vae4j.core.io.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.DiffusersKeyMapping;
import dev.vae4j.core.io.LdmKeyMapping;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.WeightLoadingException;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.model.CheckpointConverter;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** LDM <-> diffusers <-> safetensors conversion reproduces every tensor bit for bit. */
class CheckpointConverterTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"kl4_quant_attn", "kl16_noquant", "kl4_noattn", "gray_in_out"})
    void ldmToDiffusersToLdmIsBitExact(String name) {
        Path dir = Fixtures.dir("autoencoder_kl/" + name);
        AutoencoderKLConfig config = AutoencoderKLConfig.read(dir.resolve("config.json"));
        String prefix = name.equals("kl4_quant_attn") ? "first_stage_model." : "";
        CheckpointConverter.ldmToDiffusers(dir.resolve("ldm.safetensors"), config, tmp.resolve("diffusers"));
        CheckpointConverter.diffusersToLdm(tmp.resolve("diffusers"), tmp.resolve("ldm.safetensors"), prefix);
        try (TensorScope scope = new TensorScope();
                SafetensorsReader original = SafetensorsReader.open(dir.resolve("ldm.safetensors"));
                SafetensorsReader back = SafetensorsReader.open(tmp.resolve("ldm.safetensors"));
                SafetensorsReader diffusers =
                        SafetensorsReader.open(dir.resolve("diffusion_pytorch_model.safetensors"));
                SafetensorsReader converted =
                        SafetensorsReader.open(tmp.resolve("diffusers/diffusion_pytorch_model.safetensors"))) {
            List<String> vaeKeys = new ArrayList<>();
            for (String key : original.names()) {
                if (key.startsWith(prefix) && !key.startsWith("loss.") && !key.startsWith("model_ema.")) {
                    vaeKeys.add(key);
                }
            }
            List<String> backKeys = new ArrayList<>(back.names());
            vaeKeys.sort(null);
            backKeys.sort(null);
            assertEquals(vaeKeys, backKeys);
            for (String key : vaeKeys) {
                assertBitEqual(key, original.load(key), back.load(key));
            }
            assertEquals(diffusers.names().size(), converted.names().size());
            for (String key : diffusers.names()) {
                assertBitEqual(key, diffusers.load(key), converted.load(key));
            }
        }
    }

    @Test
    void lightningCheckpointConvertsToSafetensorsWithPrefixFilter() {
        Path ckpt = Fixtures.dir("torch_checkpoints").resolve("lightning_zip.ckpt");
        int n = CheckpointConverter.toSafetensors(ckpt, tmp.resolve("vae.safetensors"), "first_stage_model.", true);
        Path ldm = Fixtures.dir("autoencoder_kl/kl4_quant_attn").resolve("ldm.safetensors");
        try (TensorScope scope = new TensorScope();
                SafetensorsReader out = SafetensorsReader.open(tmp.resolve("vae.safetensors"));
                SafetensorsReader original = SafetensorsReader.open(ldm)) {
            assertEquals(124, n);
            for (String key : out.names()) {
                assertBitEqual(key, original.load("first_stage_model." + key), out.load(key));
            }
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> CheckpointConverter.toSafetensors(ckpt, tmp.resolve("x.safetensors"), "nope.", false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain_zip.pt", "plain_legacy.pt"})
    void anyPickleConvertsToSafetensors(String file) {
        Path in = Fixtures.dir("torch_checkpoints").resolve(file);
        CheckpointConverter.toSafetensors(in, tmp.resolve("out.safetensors"), null, false);
        try (TensorScope scope = new TensorScope();
                SafetensorsReader out = SafetensorsReader.open(tmp.resolve("out.safetensors"));
                SafetensorsReader expected = SafetensorsReader.open(
                        Fixtures.dir("torch_checkpoints").resolve("plain_expected.safetensors"))) {
            assertEquals(expected.names().size(), out.names().size());
            for (String key : expected.names()) {
                assertBitEqual(key, expected.load(key), out.load(key));
            }
        }
    }

    @Test
    void wrongConfigIsRefusedWithTheKeysAtFault() {
        Path dir = Fixtures.dir("autoencoder_kl/kl4_noattn");
        AutoencoderKLConfig other = AutoencoderKLConfig.read(
                Fixtures.dir("autoencoder_kl/kl4_quant_attn").resolve("config.json"));
        WeightLoadingException e = assertThrows(
                WeightLoadingException.class,
                () -> CheckpointConverter.ldmToDiffusers(dir.resolve("ldm.safetensors"), other, tmp.resolve("d")));
        assertTrue(e.getMessage().contains("mid_block.attentions.0.to_q.weight"), e.getMessage());
    }

    @Test
    void everyDiffusersKeyOfTheSdTableMapsBackToItsLdmKeyAndShape() throws IOException {
        try (InputStream in = CheckpointConverterTest.class.getResourceAsStream("/sd_vae_keys.tsv")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] cells = line.split("\t");
                String ldm = LdmKeyMapping.toLdm(cells[0], 4);
                assertEquals(cells[2], ldm, cells[0]);
                assertEquals(cells[0], DiffusersKeyMapping.toDiffusers(ldm, 4), cells[0]);
                assertArrayEquals(parse(cells[3]), LdmKeyMapping.toLdmShape(ldm, parse(cells[1])), cells[0]);
            }
        }
    }

    private static long[] parse(String shape) {
        String body = shape.replaceAll("[\\[\\] ]", "");
        if (body.isEmpty()) {
            return new long[0];
        }
        String[] parts = body.split(",");
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Long.parseLong(parts[i]);
        }
        return out;
    }

    private static void assertBitEqual(String key, Tensor expected, Tensor actual) {
        assertEquals(expected.scalar_type().value, actual.scalar_type().value, key + " dtype");
        assertArrayEquals(expected.sizes().vec().get(), actual.sizes().vec().get(), key + " shape");
        assertTrue(
                expected.contiguous()
                        .reshape(-1)
                        .view(org.bytedeco.pytorch.global.torch.ScalarType.Byte)
                        .equal(actual.contiguous().reshape(-1).view(org.bytedeco.pytorch.global.torch.ScalarType.Byte)),
                key + " bits");
    }
}
