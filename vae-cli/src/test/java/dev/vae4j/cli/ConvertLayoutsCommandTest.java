package dev.vae4j.cli;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.unet.LatentUNet;
import dev.vae4j.diffusion.unet.LatentUNetConfig;
import dev.vae4j.dwt.model.LiteVae;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae convert} detects the layout of a single-file checkpoint from its keys: pytorch-diffusion's {@code VAE}
 * ({@code torch.save(model.state_dict())}) becomes a diffusers folder, its {@code Unet} a LatentUNet folder; a file
 * forced into the wrong layout fails in one line naming the layout it resembles, and {@code --verbose} adds every key;
 * an open-LiteVAE Lightning state dict becomes a LiteVAE folder.
 */
class ConvertLayoutsCommandTest {
    private static final Path VAE = Path.of("../vae-core/src/test/resources/fixtures/pytorch_diffusion/avg_nearest");
    private static final Path LITE = Path.of("../vae-dwt/src/test/resources/fixtures/litevae/open_tiny");
    private static final Path UNET =
            Path.of("../vae-diffusion/src/test/resources/fixtures/latent_unet/classes_nearest");

    /** The layout is detected; the architecture comes from the pytorch-diffusion training JSON of the case. */
    @Test
    void pytorchDiffusionVaePtBecomesADiffusersFolderWithoutLayoutFlag(@TempDir Path dir) {
        Path out = dir.resolve("vae");
        CliTestSupport.Result result = CliTestSupport.run(
                "convert",
                "--input",
                VAE.resolve("vae.pt").toString(),
                "--output",
                out.toString(),
                "--config",
                VAE.resolve("upstream_config.json").toString());
        result.assertOk();
        assertTrue(result.out().contains("layout pytorch-diffusion-vae"), result.out());
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(VAE.resolve("io.safetensors"))) {
            AutoencoderKL model = AutoencoderKL.fromPretrained(out);
            assertClose("decoded", io.load("decoded"), model.decode(io.load("sample")), 1e-4);
        }
    }

    @Test
    void wrongLayoutFailsInOneLineAndVerboseListsEveryKey(@TempDir Path dir) {
        String[] args = {
            "convert",
            "--input",
            VAE.resolve("vae.pt").toString(),
            "--output",
            dir.resolve("vae").toString(),
            "--layout",
            "ldm",
            "--config",
            VAE.resolve("config.json").toString()
        };
        CliTestSupport.Result result = CliTestSupport.run(args);
        assertEquals(1, result.exitCode());
        String err = result.err().strip();
        assertFalse(err.contains("\n"), err);
        assertTrue(err.startsWith("vae: error: cannot load weights from "), err);
        assertTrue(err.contains(" missing (encoder.conv_in.weight, "), err);
        assertTrue(err.contains("more); "), err);
        assertTrue(err.contains("load with vae convert --layout pytorch-diffusion-vae"), err);
        assertFalse(err.contains("post_quantizer.bias"), err);
        String[] verbose = new String[args.length + 1];
        System.arraycopy(args, 0, verbose, 0, args.length);
        verbose[args.length] = "--verbose";
        CliTestSupport.Result detailed = CliTestSupport.run(verbose);
        assertEquals(1, detailed.exitCode());
        assertTrue(detailed.err().contains("post_quantizer.bias"), detailed.err());
    }

    /** The architecture comes from a training JSON shaped like {@code configs/LDM.json} (trailing commas included). */
    @Test
    void pytorchDiffusionUnetPtBecomesALatentUNetFolder(@TempDir Path dir) throws IOException {
        Path training = dir.resolve("LDM.json");
        Files.writeString(
                training,
                "{\"dataset\": {\"image_size\": 512,},\n\"unet_config\": "
                        + Files.readString(UNET.resolve("config.json")).strip()
                        + ",\n\"training\": {\"fp16\": \"bf16\"},}\n");
        Path out = dir.resolve("unet");
        CliTestSupport.Result result = CliTestSupport.run(
                "convert",
                "--input",
                UNET.resolve("unet.pt").toString(),
                "--output",
                out.toString(),
                "--config",
                training.toString());
        result.assertOk();
        assertTrue(result.out().contains("LatentUNet folder"), result.out());
        try (TensorScope scope = new TensorScope()) {
            LatentUNetConfig config = LatentUNetConfig.read(out.resolve("config.json"));
            assertEquals(LatentUNetConfig.read(UNET.resolve("config.json")), config);
            LatentUNet.load(config, out.resolve("model.safetensors"));
        }
    }

    /**
     * A Lightning-style checkpoint of open-LiteVAE (its {@code encoder.*}/{@code decoder.*} tensors beside a loss and
     * EMA entries, as {@code LiteAutoencoderKL.state_dict()} holds them) becomes a LiteVAE folder with the same
     * forward.
     */
    @Test
    void openLiteVaeCheckpointBecomesALiteVaeFolder(@TempDir Path dir) {
        Path file = dir.resolve("lightning.safetensors");
        try (TensorScope scope = new TensorScope();
                SafetensorsReader weights = SafetensorsReader.open(LITE.resolve("model.safetensors"))) {
            Map<String, Tensor> tensors = new LinkedHashMap<>(weights.loadAll());
            tensors.put("loss.logvar", torch.zeros(new long[0]));
            tensors.put("encoder_ema.num_updates", torch.zeros(new long[0]));
            tensors.put("decoder_ema.decay", torch.zeros(new long[0]));
            SafetensorsWriter.write(file, tensors, Map.of());
        }
        Path out = dir.resolve("litevae");
        CliTestSupport.Result result = CliTestSupport.run(
                "convert",
                "--input",
                file.toString(),
                "--output",
                out.toString(),
                "--config",
                LITE.resolve("config.json").toString());
        result.assertOk();
        assertTrue(
                result.out().contains("LiteVAE folder") && result.out().contains("layout open-litevae"), result.out());
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(LITE.resolve("io.safetensors"))) {
            LiteVae model = LiteVae.fromPretrained(out);
            assertClose("decoded", io.load("decoded"), model.decode(io.load("z")), 1e-4);
        }
    }

    @Test
    void keysOfNoKnownLayoutFailInOneLine(@TempDir Path dir) {
        Path file = dir.resolve("other.safetensors");
        try (TensorScope scope = new TensorScope()) {
            SafetensorsWriter.write(file, Map.of("backbone.layer1.weight", torch.zeros(2)), Map.of());
        }
        CliTestSupport.Result result = CliTestSupport.run(
                "convert",
                "--input",
                file.toString(),
                "--output",
                dir.resolve("x").toString());
        assertEquals(1, result.exitCode());
        assertTrue(
                result.err().contains("fit no known checkpoint layout (pytorch-diffusion-vae, open-litevae"),
                result.err());
        assertTrue(result.err().contains("first keys: backbone.layer1.weight"), result.err());
    }

    @Test
    void aLiteVaeLayoutWithoutConfigIsAUsageErrorNamingTheFlag(@TempDir Path dir) {
        CliTestSupport.run(
                        "convert",
                        "--input",
                        VAE.resolve("vae.pt").toString(),
                        "--output",
                        dir.resolve("x").toString(),
                        "--layout",
                        "open-litevae")
                .assertUsageError("needs --config PRESET|FILE");
    }
}
