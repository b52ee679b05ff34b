package dev.vae4j.cli;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.torch.CheckpointFiles;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.eval.fid.FidInceptionV3;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae convert} on the reference fixtures: a Lightning {@code .ckpt} (torch.save zip format, LDM names under
 * {@code state_dict}) becomes a diffusers folder whose forward matches diffusers' output, converts back to LDM names,
 * and a hostile pickle is refused in one line naming the forbidden global.
 */
class ConvertCommandTest {
    private static final Path CASE = Fixtures.dir("autoencoder_kl/kl4_quant_attn");
    private static final Path CHECKPOINTS = Fixtures.dir("torch_checkpoints");

    @Test
    void lightningCheckpointBecomesAWorkingDiffusersFolderAndBack(@TempDir Path dir) {
        Path diffusers = dir.resolve("diffusers");
        CliTestSupport.run(
                        "convert",
                        "--input",
                        CHECKPOINTS.resolve("lightning_zip.ckpt").toString(),
                        "--output",
                        diffusers.toString(),
                        "--config",
                        CASE.resolve("config.json").toString())
                .assertOk();
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(CASE.resolve("io.safetensors"))) {
            AutoencoderKL model = AutoencoderKL.fromPretrained(diffusers);
            assertClose("converted .ckpt forward", io.load("forward"), model.forward(io.load("input")), 1e-4);
        }
        Path ldm = dir.resolve("ldm.safetensors");
        CliTestSupport.run(
                        "convert",
                        "--input",
                        diffusers.toString(),
                        "--output",
                        ldm.toString(),
                        "--ldm-prefix",
                        "first_stage_model.")
                .assertOk();
        try (SafetensorsReader reader = SafetensorsReader.open(ldm)) {
            assertTrue(
                    reader.contains("first_stage_model.encoder.mid.attn_1.q.weight"),
                    reader.names().toString());
            assertTrue(reader.contains("first_stage_model.decoder.up.1.upsample.conv.weight"));
        }
        Path picked = dir.resolve("picked.safetensors");
        CliTestSupport.Result result = CliTestSupport.run(
                "convert",
                "--input",
                CHECKPOINTS.resolve("lightning_zip.ckpt").toString(),
                "--to",
                "safetensors",
                "--output",
                picked.toString(),
                "--only-prefix",
                "first_stage_model.",
                "--strip-prefix");
        result.assertOk();
        try (SafetensorsReader reader = SafetensorsReader.open(picked)) {
            assertTrue(reader.contains("encoder.conv_in.weight"), reader.names().toString());
        }
    }

    @Test
    void legacyVggAndLpipsPicklesBecomeTheLpipsFile(@TempDir Path dir) {
        Path pth = Fixtures.dir("lpips_pth");
        Path out = dir.resolve("lpips.safetensors");
        CliTestSupport.Result result = CliTestSupport.run(
                "convert",
                "--to",
                "lpips",
                "--input",
                pth.resolve("vgg16_narrow.pth").toString(),
                "--heads",
                pth.resolve("lpips_heads.pth").toString(),
                "--output",
                out.toString());
        result.assertOk();
        assertTrue(result.out().contains("31 tensors"), result.out());
        try (TensorScope scope = new TensorScope();
                SafetensorsReader converted = SafetensorsReader.open(out);
                CheckpointFiles.Opened trunk = CheckpointFiles.open(pth.resolve("vgg16_narrow.pth"));
                CheckpointFiles.Opened heads = CheckpointFiles.open(pth.resolve("lpips_heads.pth"))) {
            for (String name : converted.names()) {
                CheckpointFiles.Opened source = name.startsWith("lin") ? heads : trunk;
                assertClose("lpips " + name, source.load(name), converted.load(name), 0.0);
            }
            assertTrue(!converted.contains("classifier.0.weight"));
        }
        CliTestSupport.run(
                        "convert",
                        "--to",
                        "lpips",
                        "--input",
                        pth.resolve("vgg16_narrow.pth").toString(),
                        "--output",
                        out.toString())
                .assertUsageError("--heads");
    }

    /**
     * pytorch-fid's {@code pt_inception-2015-12-05-6726825d.pth} (the fixture has its 566 keys, shapes and dtypes with
     * seeded values, large tensors as per-channel views) converts with {@code --to safetensors} into a file whose every
     * tensor loads into {@link FidInceptionV3} with its values, and which {@code vae evaluate} accepts.
     */
    @Test
    void pytorchFidInceptionPthBecomesWeightsThatEvaluateLoads(@TempDir Path dir) throws IOException {
        Path fixtures = Fixtures.dir("fid_pth");
        Path weights = dir.resolve("inception.safetensors");
        CliTestSupport.Result converted = CliTestSupport.run(
                "convert",
                "--input",
                fixtures.resolve("pt_inception_tiny_storage.pth").toString(),
                "--to",
                "safetensors",
                "--output",
                weights.toString());
        converted.assertOk();
        assertTrue(converted.out().contains("566 tensors"), converted.out());
        try (TensorScope scope = new TensorScope();
                SafetensorsReader sums = SafetensorsReader.open(fixtures.resolve("expected_sums.safetensors"))) {
            Map<String, Tensor> state = StateDict.of(FidInceptionV3.fromSafetensors(weights));
            Set<String> expected = new TreeSet<>(sums.names());
            expected.removeIf(key -> key.startsWith("fc."));
            assertEquals(expected, new TreeSet<>(state.keySet()), "pytorch-fid's keys are exactly the network's");
            for (String key : expected) {
                double want = sums.load(key).item_double();
                double got = state.get(key).to(ScalarType.Double).sum().item_double();
                assertEquals(want, got, 1e-9 * Math.max(1.0, Math.abs(want)), key);
            }
        }
        Path data = Files.createDirectories(dir.resolve("data"));
        for (int i = 0; i < 2; i++) {
            CliTestSupport.writeImage(data.resolve("img" + i + ".png"), 16, 16, i);
        }
        CliTestSupport.Result evaluated = CliTestSupport.run(
                "evaluate",
                "--model",
                CliTestSupport.saveTestModel(dir.resolve("model")).toString(),
                "--data",
                data.toString(),
                "--size",
                "16",
                "--batch-size",
                "2",
                "--threads",
                "1",
                "--inception",
                weights.toString(),
                "--output",
                dir.resolve("eval").toString());
        evaluated.assertOk();
        assertTrue(evaluated.out().contains("rfid"), evaluated.out());
    }

    @Test
    void hostilePicklesAreRefusedInOneLine(@TempDir Path dir) {
        CliTestSupport.run(
                        "convert",
                        "--input",
                        CHECKPOINTS.resolve("hostile/os_system_in_zip.pt").toString(),
                        "--to",
                        "safetensors",
                        "--output",
                        dir.resolve("x.safetensors").toString())
                .assertOneLineError("os.system");
    }
}
