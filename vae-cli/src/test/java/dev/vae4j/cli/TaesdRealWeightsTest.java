package dev.vae4j.cli;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.tiny.AutoencoderTiny;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.train.metrics.Psnr;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real FLUX.2 tiny autoencoder (madebyollin/taesd's {@code taef2_encoder.pth} and {@code taef2_decoder.pth}, 2.7 MB
 * each, not committed) through the command line: {@code vae convert --to autoencoder-tiny}, then {@code vae encode} and
 * {@code vae reconstruct} on a 128 px crop of scikit-image's astronaut photograph, against taesd.py's outputs with the
 * same weights ({@code tools/reference/gen_autoencoder_tiny.py --weights DIR}): latents within 1e-4, the decoded image
 * within 1e-4 (in [0, 1]), the reconstruct command's PNG within one 8-bit level of taesd.py's quantised output, and the
 * round-trip PSNR taesd.py gets. With {@code taesana_encoder.pth} in the same folder, the real f32 encoder (Sana's
 * DC-AE latent space; its decoder file is not in the repository) alone: {@code vae convert --encoder} then {@code vae
 * encode}, latents within 1e-4.
 *
 * <p>Runs only when the folder holding the two files is given: {@code -Dvae4j.taesd.weights=DIR} or the environment
 * variable {@code VAE4J_TAESD_WEIGHTS} (see the fixture folder's README for how to get them).
 */
@Tag("parity")
class TaesdRealWeightsTest {
    private static final double TOLERANCE = 1e-4;

    private static Path weights() {
        String dir = System.getProperty("vae4j.taesd.weights", System.getenv("VAE4J_TAESD_WEIGHTS"));
        Assumptions.assumeTrue(
                dir != null && !dir.isBlank(),
                "set -Dvae4j.taesd.weights=DIR (taef2_encoder.pth, taef2_decoder.pth) to run the real-weight test");
        Path folder = Path.of(dir);
        assertTrue(
                Files.isRegularFile(folder.resolve("taef2_encoder.pth"))
                        && Files.isRegularFile(folder.resolve("taef2_decoder.pth")),
                "no taef2_*.pth in " + folder);
        return folder;
    }

    @Test
    void convertEncodeReconstructMatchTaesdPy(@TempDir Path dir) {
        Path weights = weights();
        Path photo = Fixtures.dir("autoencoder_tiny/taef2_photo.png");
        Path model = dir.resolve("taef2");
        CliTestSupport.run(
                        "convert",
                        "--to",
                        "autoencoder-tiny",
                        "--encoder",
                        weights.resolve("taef2_encoder.pth").toString(),
                        "--decoder",
                        weights.resolve("taef2_decoder.pth").toString(),
                        "--output",
                        model.toString())
                .assertOk();
        Path latents = dir.resolve("latents.safetensors");
        CliTestSupport.run(
                        "encode",
                        "--model",
                        model.toString(),
                        "--input",
                        photo.toString(),
                        "--output",
                        latents.toString())
                .assertOk();
        Path reconstructed = dir.resolve("reconstructed.png");
        CliTestSupport.run(
                        "reconstruct",
                        "--model",
                        model.toString(),
                        "--input",
                        photo.toString(),
                        "--output",
                        reconstructed.toString())
                .assertOk();

        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader reference =
                        SafetensorsReader.open(Fixtures.dir("autoencoder_tiny/taef2_photo.safetensors"));
                SafetensorsReader encoded = SafetensorsReader.open(latents)) {
            assertClose(
                    "taef2 real weights: vae encode latents",
                    reference.load("encoded"),
                    encoded.load("latents"),
                    TOLERANCE);

            AutoencoderTiny tiny = (AutoencoderTiny) Autoencoders.load(model);
            tiny.eval();
            Tensor image = ImageTensors.read(photo);
            Tensor decoded = tiny.decode(tiny.encode(image).mode());
            assertClose(
                    "taef2 real weights: round trip",
                    reference.load("decoded"),
                    decoded.add(new Scalar(1.0)).div(new Scalar(2.0)),
                    TOLERANCE);

            Tensor clamped = decoded.clamp(new ScalarOptional(new Scalar(-1.0)), new ScalarOptional(new Scalar(1.0)));
            double psnr = Psnr.mean(image, clamped);
            double expectedPsnr = reference.load("psnr_clamped").item_double();
            System.out.printf("taef2 real weights: round-trip PSNR %.4f dB (taesd.py %.4f dB)%n", psnr, expectedPsnr);
            assertEquals(expectedPsnr, psnr, 1e-3);

            Tensor levels = ImageTensors.read(reconstructed)
                    .add(new Scalar(1.0))
                    .mul(new Scalar(127.5))
                    .round();
            Tensor expectedLevels = reference
                    .load("decoded")
                    .clamp(new ScalarOptional(new Scalar(0.0)), new ScalarOptional(new Scalar(1.0)))
                    .mul(new Scalar(255.0))
                    .round();
            int worst = (int) Fixtures.maxAbsDiff(expectedLevels, levels);
            System.out.println(
                    "taef2 real weights: vae reconstruct PNG vs taesd.py, max 8-bit level difference " + worst);
            assertTrue(worst <= 1, "PNG differs from taesd.py's by " + worst + " levels");
        }
    }

    @Test
    void realF32EncoderAloneMatchesTaesdPy(@TempDir Path dir) {
        Path encoder = weights().resolve("taesana_encoder.pth");
        Assumptions.assumeTrue(Files.isRegularFile(encoder), "no taesana_encoder.pth in the weights folder");
        Path model = dir.resolve("taesana-encoder");
        CliTestSupport.run(
                        "convert",
                        "--to",
                        "autoencoder-tiny",
                        "--encoder",
                        encoder.toString(),
                        "--output",
                        model.toString())
                .assertOk();
        Path latents = dir.resolve("latents.safetensors");
        CliTestSupport.run(
                        "encode",
                        "--model",
                        model.toString(),
                        "--input",
                        Fixtures.dir("autoencoder_tiny/taef2_photo.png").toString(),
                        "--output",
                        latents.toString())
                .assertOk();
        try (TensorScope scope = new TensorScope();
                SafetensorsReader reference =
                        SafetensorsReader.open(Fixtures.dir("autoencoder_tiny/taesana_photo.safetensors"));
                SafetensorsReader encoded = SafetensorsReader.open(latents)) {
            assertClose(
                    "taesana real f32 encoder: vae encode latents",
                    reference.load("encoded"),
                    encoded.load("latents"),
                    TOLERANCE);
        }
    }
}
