package dev.vae4j.core.io.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checkpoints written by {@code torch.save} ({@code tools/reference/gen_torch_checkpoints.py}) in the zip format
 * (protocols 2 and 4) and the legacy format load with the exact dtype, shape, strides, storage offset and bits, shared
 * storages share memory, and Lightning-style checkpoints load into {@link AutoencoderKL}.
 */
@Tag("parity")
class PyTorchCheckpointTest {
    private static Path fixture(String name) {
        return Fixtures.dir("torch_checkpoints").resolve(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain_zip.pt", "plain_legacy.pt", "plain_zip_p4.pt"})
    void plainStateDictLoadsBitForBitWithStridesAndOffsets(String file) {
        try (TensorScope scope = new TensorScope();
                PyTorchCheckpoint ckpt = PyTorchCheckpoint.open(fixture(file));
                SafetensorsReader expected = SafetensorsReader.open(fixture("plain_expected.safetensors"))) {
            assertEquals(
                    file.contains("legacy") ? PyTorchCheckpoint.Format.LEGACY : PyTorchCheckpoint.Format.ZIP,
                    ckpt.format());
            TensorSource source = ckpt.tensors();
            List<String> names = new ArrayList<>(source.names());
            List<String> want = new ArrayList<>(expected.names());
            names.sort(null);
            want.sort(null);
            assertEquals(want, names);
            Map<String, String> meta = expected.metadata();
            for (String name : expected.names()) {
                Tensor e = expected.load(name);
                Tensor a = source.load(name);
                assertEquals(e.scalar_type().value, a.scalar_type().value, name + " dtype");
                assertArrayEquals(e.sizes().vec().get(), a.sizes().vec().get(), name + " shape");
                assertArrayEquals(e.sizes().vec().get(), source.shape(name), name + " declared shape");
                assertEquals(meta.get("stride." + name), json(a.strides().vec().get()), name + " strides");
                assertEquals(meta.get("offset." + name), Long.toString(a.storage_offset()), name + " offset");
                assertTrue(e.equal(a), name + " values");
            }
            Tensor a = source.load("shared.a");
            Tensor b = source.load("shared.b");
            long baseA = a.data_ptr().address() - a.storage_offset() * 4;
            long baseB = b.data_ptr().address() - b.storage_offset() * 4;
            assertEquals(baseA, baseB, "views of one storage share memory");
            a.fill_(new org.bytedeco.pytorch.Scalar(7.0f));
            assertEquals(7.0f, b.get(0).get(0).item_float(), "write through one view is seen by the other");
        }
    }

    @Test
    void parameterFlagAndObjectTreeAreKept() {
        try (PyTorchCheckpoint ckpt = PyTorchCheckpoint.open(fixture("plain_legacy.pt"))) {
            PyDict root = assertInstanceOf(PyDict.class, ckpt.root());
            assertTrue(assertInstanceOf(TensorRef.class, root.get("param")).parameter());
            assertEquals(TorchDtype.BFLOAT16, ((TensorRef) root.get("bf16")).dtype());
        }
    }

    @Test
    void lightningCheckpointTreeIsReadWithOpaqueHarmlessValues() {
        try (PyTorchCheckpoint ckpt = PyTorchCheckpoint.open(fixture("lightning_zip.ckpt"))) {
            PyDict root = assertInstanceOf(PyDict.class, ckpt.root());
            assertEquals(3L, root.get("epoch"));
            assertEquals(10L, root.get("global_step"));
            PyDict callbacks = assertInstanceOf(PyDict.class, root.get("callbacks"));
            Object key = callbacks.keySet().iterator().next();
            assertEquals(
                    "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint",
                    assertInstanceOf(PyGlobal.class, key).qualifiedName());
            PyDict state = (PyDict) callbacks.get(key);
            assertEquals(
                    "numpy._core.multiarray.scalar",
                    assertInstanceOf(PyObject.class, state.get("best_model_score"))
                            .type()
                            .qualifiedName());
            PyObject hparams = assertInstanceOf(PyObject.class, root.get("hyper_parameters"));
            assertEquals("argparse.Namespace", hparams.type().qualifiedName());
            assertEquals(4L, ((PyDict) hparams.state()).get("embed_dim"));
            assertTrue(ckpt.tensors().names().contains("first_stage_model.encoder.conv_in.weight"));
            assertTrue(ckpt.tensors().names().contains("loss.logvar"));
            assertTrue(ckpt.allTensors().names().contains("optimizer_states.0.state.0.exp_avg"));
            assertTrue(ckpt.allTensors().names().contains("state_dict.first_stage_model.encoder.conv_in.weight"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lightning_zip.ckpt:kl4_quant_attn", "lightning_legacy.ckpt:kl4_noattn"})
    void lightningCheckpointLoadsIntoAutoencoderKL(String spec) {
        String[] parts = spec.split(":");
        Path dir = Fixtures.dir("autoencoder_kl/" + parts[1]);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            AutoencoderKLConfig config = AutoencoderKLConfig.read(dir.resolve("config.json"));
            AutoencoderKL model = AutoencoderKL.fromSingleFile(fixture(parts[0]), config);
            Fixtures.assertClose(spec + " forward", io.load("forward"), model.forward(io.load("input")), 1e-4);
        }
    }

    @Test
    void checkpointFilesPicksTheFormatByExtensionAndMagic() {
        assertTrue(CheckpointFiles.isPyTorch(fixture("plain_zip.pt")));
        assertTrue(CheckpointFiles.isPyTorch(fixture("lightning_legacy.ckpt")));
        assertTrue(!CheckpointFiles.isPyTorch(fixture("plain_expected.safetensors")));
        try (CheckpointFiles.Opened opened = CheckpointFiles.open(fixture("plain_zip_p4.pt"))) {
            assertEquals(17, opened.names().size());
        }
    }

    private static String json(long[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(values[i]);
        }
        return sb.append(']').toString();
    }
}
