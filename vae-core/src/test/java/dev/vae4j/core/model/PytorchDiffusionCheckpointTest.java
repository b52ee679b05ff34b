package dev.vae4j.core.model;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vae4j.core.io.CheckpointLayout;
import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.WeightLoadingException;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * stanipov/pytorch-diffusion's {@code VAE} checkpoints as its train scripts save them
 * ({@code torch.save(model.state_dict())}) through {@link CheckpointConverter} with the layout detected from the keys.
 * The tiny fixture ({@code gen_pytorch_diffusion.py}'s {@code avg_nearest/vae.pt}) must convert to exactly the weights
 * the script renamed and then reproduce the upstream forward (max |diff| <= 1e-4, as
 * {@link PytorchDiffusionParityTest}). The shipped {@code models/vae.pt} (not in this repository:
 * {@code $VAE4J_PYTORCH_DIFFUSION_VAE} or {@code -Dvae4j.pytorchDiffusionVae}, skipped without it) must reconstruct the
 * photograph of {@code check_pytorch_diffusion_vae.py} within 2 of 255 levels of the upstream reconstruction.
 */
@Tag("parity")
class PytorchDiffusionCheckpointTest {
    private static final double TOLERANCE = 1e-4;
    private static final int LEVELS = 2;

    @TempDir
    Path tmp;

    @Test
    void tinyVaePtConvertsToTheRenamedWeightsAndMatchesVaePy() {
        Path dir = Fixtures.dir("pytorch_diffusion/avg_nearest");
        Path pt = dir.resolve("vae.pt");
        CheckpointLayout layout = CheckpointConverter.detectLayout(pt);
        assertEquals(CheckpointLayout.PYTORCH_DIFFUSION_VAE, layout);
        Path out = tmp.resolve("converted");
        CheckpointConverter.toDiffusers(pt, layout, AutoencoderKLConfig.read(dir.resolve("config.json")), out);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader renamed = SafetensorsReader.open(dir.resolve(AutoencoderKL.WEIGHTS_FILE));
                SafetensorsReader converted = SafetensorsReader.open(out.resolve(AutoencoderKL.WEIGHTS_FILE));
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            assertEquals(
                    renamed.names().stream().sorted().toList(),
                    converted.names().stream().sorted().toList());
            for (String name : renamed.names()) {
                assertTrue(renamed.load(name).equal(converted.load(name)), name + " is not bit-equal");
            }
            AutoencoderKL model = AutoencoderKL.fromPretrained(out);
            Map<String, Tensor> expected = io.loadAll();
            DiagonalGaussian posterior = model.encode(expected.get("input"));
            assertClose("posterior_mean", expected.get("posterior_mean"), posterior.mean(), TOLERANCE);
            assertClose("decoded", expected.get("decoded"), model.decode(expected.get("sample")), TOLERANCE);
        }
    }

    @Test
    void forcedToTheLdmLayoutTheErrorIsOneLineNamingTheLayoutThatLoadsIt() {
        Path dir = Fixtures.dir("pytorch_diffusion/avg_nearest");
        AutoencoderKLConfig config = AutoencoderKLConfig.read(dir.resolve("config.json"));
        WeightLoadingException e = assertThrows(
                WeightLoadingException.class,
                () -> CheckpointConverter.toDiffusers(
                        dir.resolve("vae.pt"), CheckpointLayout.LDM, config, tmp.resolve("out")));
        String message = e.getMessage();
        int keys = e.report().missing().size();
        assertFalse(message.contains("\n"), message);
        assertTrue(
                message.startsWith("cannot load weights from " + dir.resolve("vae.pt") + ": 0 of " + keys
                        + " tensors loaded; " + keys + " missing (encoder.conv_in.weight, "),
                message);
        assertTrue(message.contains(", +" + (keys - 5) + " more); " + keys + " unexpected (_decoder."), message);
        assertTrue(
                message.endsWith("the keys look like stanipov/pytorch-diffusion's VAE state dict"
                        + " (pytorch-diffusion-vae): load with " + CheckpointLayout.PYTORCH_DIFFUSION_VAE.howToLoad()),
                message);
        String lastUnexpected = e.report().unexpected().get(keys - 1);
        assertFalse(message.contains(lastUnexpected), message);
        assertTrue(e.details().contains(lastUnexpected));
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
    }

    @Test
    void aResumeCheckpointWithoutWeightsIsNamedAsSuch() {
        Path file = Fixtures.dir("pytorch_diffusion/avg_nearest").resolve("chkpt_snapshot.pt");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> CheckpointConverter.detectLayout(file));
        assertTrue(e.getMessage().contains("fit no known checkpoint layout"), e.getMessage());
        assertTrue(e.getMessage().contains("first keys: m_opt.state.0.step, "), e.getMessage());
        assertTrue(
                e.getMessage()
                        .endsWith("optimizer/scaler/scheduler states only (a training script's resume"
                                + " checkpoint): convert the model's state dict file saved beside it instead"),
                e.getMessage());
    }

    @Test
    void aLayoutOfAnotherModelIsRefusedWithTheCommandThatLoadsIt() {
        Path dir = Fixtures.dir("pytorch_diffusion/avg_nearest");
        AutoencoderKLConfig config = AutoencoderKLConfig.read(dir.resolve("config.json"));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> CheckpointConverter.toDiffusers(
                        dir.resolve("vae.pt"), CheckpointLayout.OPEN_LITEVAE, config, tmp.resolve("out")));
        assertTrue(
                e.getMessage().contains("not an AutoencoderKL layout: vae convert --layout open-litevae"),
                e.getMessage());
    }

    @Test
    void realVaePtReconstructsThePhotographAsTheUpstreamCode() {
        String configured = System.getProperty(
                "vae4j.pytorchDiffusionVae", System.getenv().getOrDefault("VAE4J_PYTORCH_DIFFUSION_VAE", ""));
        assumeTrue(
                !configured.isEmpty() && Files.isRegularFile(Path.of(configured)),
                "set VAE4J_PYTORCH_DIFFUSION_VAE to pytorch-diffusion's models/vae.pt");
        Path pt = Path.of(configured);
        Path dir = Fixtures.dir("pytorch_diffusion/real_vae");
        CheckpointLayout layout = CheckpointConverter.detectLayout(pt);
        assertEquals(CheckpointLayout.PYTORCH_DIFFUSION_VAE, layout);
        Path out = tmp.resolve("vae");
        CheckpointConverter.toDiffusers(pt, layout, AutoencoderKLConfig.preset("linear-attention-f8c4"), out);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            AutoencoderKL model = AutoencoderKL.fromPretrained(out);
            Tensor photo = ImageTensors.read(dir.resolve("photo.png"));
            BufferedImage ours =
                    ImageTensors.toImage(model.decode(model.encode(photo).mean()));
            BufferedImage upstream = ImageTensors.readImage(dir.resolve("reconstruction.png"));
            BufferedImage original = ImageTensors.readImage(dir.resolve("photo.png"));
            int maxDiff = maxChannelDiff(ours, upstream);
            System.out.printf(
                    Locale.ROOT,
                    "real vae.pt: max |ours - upstream| %d levels; PSNR vs photo: ours %.2f dB, upstream %.2f dB%n",
                    maxDiff,
                    psnr(ours, original),
                    psnr(upstream, original));
            assertTrue(maxDiff <= LEVELS, "max difference " + maxDiff + " levels > " + LEVELS);
        }
    }

    private static int maxChannelDiff(BufferedImage a, BufferedImage b) {
        int max = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int shift = 0; shift < 24; shift += 8) {
                    max = Math.max(max, Math.abs(((p >> shift) & 0xff) - ((q >> shift) & 0xff)));
                }
            }
        }
        return max;
    }

    private static double psnr(BufferedImage a, BufferedImage b) {
        double sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int shift = 0; shift < 24; shift += 8) {
                    double d = ((p >> shift) & 0xff) - ((q >> shift) & 0xff);
                    sum += d * d;
                }
            }
        }
        double mse = sum / (3.0 * a.getWidth() * a.getHeight());
        return 10 * Math.log10(255.0 * 255.0 / mse);
    }
}
