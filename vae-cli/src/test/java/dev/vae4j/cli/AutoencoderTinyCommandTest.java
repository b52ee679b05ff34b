package dev.vae4j.cli;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.model.tiny.AutoencoderTiny;
import dev.vae4j.core.model.tiny.AutoencoderTinyConfig;
import dev.vae4j.core.model.tiny.TaesdWeights;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae convert --to autoencoder-tiny} and the model commands by {@code _class_name}: taesd.py-named weights (the
 * random weights of {@code gen_autoencoder_tiny.py}'s taesd case) become a diffusers-style folder whose model matches
 * taesd.py; {@code inspect}, {@code reconstruct} and {@code decode} work on it; a folder with only one half loads as
 * decoder-only and fails in one line when encoding is asked for.
 */
class AutoencoderTinyCommandTest {
    @Test
    void convertsTaesdFilesIntoAFolderTheCommandsUse(@TempDir Path dir) throws IOException {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(Fixtures.dir("autoencoder_tiny/taesd.safetensors"))) {
            AutoencoderTinyConfig taesd = AutoencoderTinyConfig.taesd(4);
            Path encoder = dir.resolve("taesd_encoder.safetensors");
            Path decoder = dir.resolve("taesd_decoder.safetensors");
            SafetensorsWriter.write(
                    encoder,
                    TaesdWeights.of(taesd, "encoder", io.load("encoder_seed").item_long()),
                    Map.of());
            SafetensorsWriter.write(
                    decoder,
                    TaesdWeights.of(taesd, "decoder", io.load("decoder_seed").item_long()),
                    Map.of());

            Path model = dir.resolve("taesd");
            CliTestSupport.Result converted = CliTestSupport.run(
                    "convert",
                    "--to",
                    "autoencoder-tiny",
                    "--encoder",
                    encoder.toString(),
                    "--decoder",
                    decoder.toString(),
                    "--output",
                    model.toString());
            converted.assertOk();
            assertTrue(converted.out().contains("encoder and decoder, 4 latent channels, f8"), converted.out());
            CliTestSupport.run(
                            "convert",
                            "--to",
                            "autoencoder-tiny",
                            "--decoder",
                            decoder.toString(),
                            "--output",
                            model.toString())
                    .assertOneLineError("already holds a model");

            TrainableAutoencoder loaded = Autoencoders.load(model);
            assertTrue(loaded instanceof AutoencoderTiny);
            loaded.module().eval();
            Map<String, Tensor> expected = io.loadAll();
            Tensor image = expected.get("image").mul(new Scalar(2.0)).sub(new Scalar(1.0));
            assertClose(
                    "converted taesd encoded",
                    expected.get("encoded"),
                    loaded.encode(image).mean(),
                    1e-4);
            assertClose(
                    "converted taesd decoded",
                    expected.get("decoded"),
                    loaded.decode(expected.get("latents")).add(new Scalar(1.0)).div(new Scalar(2.0)),
                    1e-4);

            CliTestSupport.Result inspect = CliTestSupport.run("inspect", "--model", model.toString());
            inspect.assertOk();
            assertTrue(inspect.out().contains("AutoencoderTiny"), inspect.out());

            Path png = dir.resolve("in.png");
            CliTestSupport.writeImage(png, 48, 32, 1);
            CliTestSupport.run(
                            "reconstruct",
                            "--model",
                            model.toString(),
                            "--input",
                            png.toString(),
                            "--output",
                            dir.resolve("out.png").toString())
                    .assertOk();
            assertTrue(Files.size(dir.resolve("out.png")) > 0);

            Path decoderOnly = dir.resolve("taesd-decoder");
            CliTestSupport.Result half = CliTestSupport.run(
                    "convert",
                    "--to",
                    "autoencoder-tiny",
                    "--decoder",
                    decoder.toString(),
                    "--output",
                    decoderOnly.toString());
            half.assertOk();
            assertTrue(half.out().contains("decoder only"), half.out());
            AutoencoderTiny previewOnly = (AutoencoderTiny) Autoencoders.load(decoderOnly);
            assertFalse(previewOnly.hasEncoder());
            assertEquals(8, previewOnly.downsamplingFactor());
            CliTestSupport.run(
                            "reconstruct",
                            "--model",
                            decoderOnly.toString(),
                            "--input",
                            png.toString(),
                            "--output",
                            dir.resolve("never.png").toString())
                    .assertOneLineError("holds only its decoder", "--encoder");
        }
    }

    @Test
    void inspectsTheTaesdPresets() {
        CliTestSupport.Result taef2 = CliTestSupport.run("inspect", "--preset", "taef2");
        taef2.assertOk();
        assertTrue(taef2.out().contains("\"use_midblock_gn\" : true"), taef2.out());
        assertTrue(taef2.out().contains("1,338,528") && taef2.out().contains("1,338,499"), taef2.out());
        CliTestSupport.Result sana = CliTestSupport.run("inspect", "--preset", "taesana");
        sana.assertOk();
        assertTrue(sana.out().contains("32 channels, downsampling factor 32"), sana.out());
        CliTestSupport.run("inspect", "--preset", "taef3").assertUsageError("unknown model preset 'taef3'");
    }

    @Test
    void convertWithoutWeightFilesIsAUsageError(@TempDir Path dir) {
        CliTestSupport.run(
                        "convert",
                        "--to",
                        "autoencoder-tiny",
                        "--output",
                        dir.resolve("x").toString())
                .assertUsageError("--encoder FILE, --decoder FILE or both");
    }

    @Test
    void aFileThatIsNotTaesdIsRefusedInOneLine(@TempDir Path dir) {
        Path bogus = dir.resolve("bogus.safetensors");
        try (TensorScope scope = new TensorScope()) {
            SafetensorsWriter.write(
                    bogus, Map.of("encoder.conv_in.weight", org.bytedeco.pytorch.global.torch.zeros(2, 2)), Map.of());
        }
        CliTestSupport.run(
                        "convert",
                        "--to",
                        "autoencoder-tiny",
                        "--encoder",
                        bogus.toString(),
                        "--output",
                        dir.resolve("x").toString())
                .assertOneLineError("not a taesd.py state dict", "encoder.conv_in.weight");
    }
}
