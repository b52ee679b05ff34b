package dev.vae4j.examples;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.CheckpointFiles;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.core.tensor.TensorScope;
import java.nio.file.Path;
import org.bytedeco.pytorch.NoGradGuard;
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
        CliTestSupport.run("convert", "--input", CHECKPOINTS.resolve("lightning_zip.ckpt").toString(), "--output",
                diffusers.toString(), "--config", CASE.resolve("config.json").toString()).assertOk();
        try (TensorScope scope = new TensorScope(); NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(CASE.resolve("io.safetensors"))) {
            AutoencoderKL model = AutoencoderKL.fromPretrained(diffusers);
            assertClose("converted .ckpt forward", io.load("forward"), model.forward(io.load("input")), 1e-4);
        }
        Path ldm = dir.resolve("ldm.safetensors");
        CliTestSupport.run("convert", "--input", diffusers.toString(), "--output", ldm.toString(), "--ldm-prefix",
                "first_stage_model.").assertOk();
        try (SafetensorsReader reader = SafetensorsReader.open(ldm)) {
            assertTrue(reader.contains("first_stage_model.encoder.mid.attn_1.q.weight"), reader.names().toString());
            assertTrue(reader.contains("first_stage_model.decoder.up.1.upsample.conv.weight"));
        }
        Path picked = dir.resolve("picked.safetensors");
        CliTestSupport.Result result = CliTestSupport.run("convert", "--input",
                CHECKPOINTS.resolve("lightning_zip.ckpt").toString(), "--to", "safetensors", "--output",
                picked.toString(), "--only-prefix", "first_stage_model.", "--strip-prefix");
        result.assertOk();
        try (SafetensorsReader reader = SafetensorsReader.open(picked)) {
            assertTrue(reader.contains("encoder.conv_in.weight"), reader.names().toString());
        }
    }

    @Test
    void legacyVggAndLpipsPicklesBecomeTheLpipsFile(@TempDir Path dir) {
        Path pth = Fixtures.dir("lpips_pth");
        Path out = dir.resolve("lpips.safetensors");
        CliTestSupport.Result result = CliTestSupport.run("convert", "--to", "lpips", "--input",
                pth.resolve("vgg16_narrow.pth").toString(), "--heads", pth.resolve("lpips_heads.pth").toString(),
                "--output", out.toString());
        result.assertOk();
        assertTrue(result.out().contains("31 tensors"), result.out());
        try (TensorScope scope = new TensorScope(); SafetensorsReader converted = SafetensorsReader.open(out);
                CheckpointFiles.Opened trunk = CheckpointFiles.open(pth.resolve("vgg16_narrow.pth"));
                CheckpointFiles.Opened heads = CheckpointFiles.open(pth.resolve("lpips_heads.pth"))) {
            for (String name : converted.names()) {
                CheckpointFiles.Opened source = name.startsWith("lin") ? heads : trunk;
                assertClose("lpips " + name, source.load(name), converted.load(name), 0.0);
            }
            assertTrue(!converted.contains("classifier.0.weight"));
        }
        CliTestSupport.run("convert", "--to", "lpips", "--input", pth.resolve("vgg16_narrow.pth").toString(),
                "--output", out.toString()).assertUsageError("--heads");
    }

    @Test
    void hostilePicklesAreRefusedInOneLine(@TempDir Path dir) {
        CliTestSupport.run("convert", "--input", CHECKPOINTS.resolve("hostile/os_system_in_zip.pt").toString(),
                "--to", "safetensors", "--output", dir.resolve("x.safetensors").toString())
                .assertOneLineError("os.system");
    }
}
