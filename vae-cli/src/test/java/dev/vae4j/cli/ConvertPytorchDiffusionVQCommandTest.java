package dev.vae4j.cli;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.PytorchDiffusionVQModel;
import dev.vae4j.core.tensor.TensorScope;
import java.nio.file.Path;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae convert --input vq.pt}: a stanipov/pytorch-diffusion {@code VQModel} state dict (detected from its
 * {@code _vq.} codebook key) with its training JSON becomes a vae4j {@code PytorchDiffusionVQModel} folder that
 * reproduces the upstream reconstruction (1e-4, as the core parity test) and {@code vae inspect} reads; without a
 * config it fails in one line saying what loads it.
 */
class ConvertPytorchDiffusionVQCommandTest {
    private static final Path VQ = Path.of("../vae-core/src/test/resources/fixtures/pytorch_diffusion_vq");

    @Test
    void vqPtBecomesAVae4jFolderWithoutLayoutFlag(@TempDir Path dir) {
        Path out = dir.resolve("vq");
        CliTestSupport.Result result = CliTestSupport.run(
                "convert",
                "--input",
                VQ.resolve("vq.pt").toString(),
                "--output",
                out.toString(),
                "--config",
                VQ.resolve("upstream_config.json").toString());
        result.assertOk();
        assertTrue(result.out().contains("layout pytorch-diffusion-vq"), result.out());
        CliTestSupport.Result inspect = CliTestSupport.run("inspect", "--model", out.toString());
        inspect.assertOk();
        assertTrue(inspect.out().contains("33304") || inspect.out().contains("33,304"), inspect.out());
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(VQ.resolve("io.safetensors"))) {
            PytorchDiffusionVQModel model = assertInstanceOf(PytorchDiffusionVQModel.class, Autoencoders.load(out));
            assertClose(
                    "decoded",
                    io.load("decoded"),
                    model.forward(io.load("input")).decoded(),
                    1e-4);
        }
    }

    @Test
    void withoutConfigTheErrorIsOneLineNamingTheTrainingJson(@TempDir Path dir) {
        CliTestSupport.Result result = CliTestSupport.run(
                "convert",
                "--input",
                VQ.resolve("vq.pt").toString(),
                "--output",
                dir.resolve("vq").toString());
        assertEquals(2, result.exitCode(), result.err());
        String err = result.err().strip();
        assertTrue(err.contains("--layout pytorch-diffusion-vq --config <the training JSON"), err);
        assertFalse(err.lines().findFirst().orElse("").isBlank(), err);
    }
}
