package dev.vae4j.examples;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void hostilePicklesAreRefusedInOneLine(@TempDir Path dir) {
        CliTestSupport.run("convert", "--input", CHECKPOINTS.resolve("hostile/os_system_in_zip.pt").toString(),
                "--to", "safetensors", "--output", dir.resolve("x.safetensors").toString())
                .assertOneLineError("os.system");
    }
}
