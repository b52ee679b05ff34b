package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.recipes.Recipe;
import dev.vae4j.recipes.TrainingData;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae train} end to end on the {@code micro} test recipe (16 px synthetic images, 60 steps, PatchGAN from step
 * 40): held-out PSNR rises by at least 1 dB, the discriminator switches on exactly after {@code disc_start}, every
 * output of a run is written, and a resumed run continues where the first stopped.
 */
class TrainCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static String microRecipe() {
        return testRecipe("micro");
    }

    static String testRecipe(String name) {
        try {
            return Path.of(TrainCommandTest.class
                            .getResource("/recipes/" + name + ".yaml")
                            .toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<JsonNode> metrics(Path run, String kind) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode node = JSON.readTree(line);
            if (node.get("kind").asText().equals(kind)) {
                lines.add(node);
            }
        }
        return lines;
    }

    @Test
    void trainsImprovesAndWritesEveryOutput(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        CliTestSupport.Result result =
                CliTestSupport.run("train", "--recipe", microRecipe(), "--out", run.toString(), "--threads", "2");
        result.assertOk();
        assertTrue(result.out().contains("validation (held-out, posterior mode)"), result.out());
        List<JsonNode> validation = metrics(run, "validation");
        double before = validation.get(0).get("psnr").asDouble();
        double after = validation.get(validation.size() - 1).get("psnr").asDouble();
        assertTrue(after > before + 1.0, "PSNR " + before + " -> " + after);
        List<JsonNode> train = metrics(run, "train");
        assertEquals(60, train.size(), "logged steps");
        for (JsonNode step : train) {
            boolean ganOn = step.get("step").asLong() > 40;
            assertEquals(ganOn, step.has("disc"), "discriminator at step " + step.get("step"));
            // the generator's GAN term d_weight * disc_factor * g is in its loss exactly from the start step on
            assertEquals(ganOn ? 1.0 : 0.0, step.get("disc_factor").asDouble(), "disc_factor at " + step.get("step"));
            assertTrue(!ganOn || step.get("d_weight").asDouble() > 0, "adaptive GAN weight at " + step.get("step"));
        }
        for (String output : List.of(
                "recipe.yaml",
                "loss.png",
                "samples/step-00000060.png",
                "checkpoints/step-00000060/state.json",
                "checkpoints/step-00000030/state.json",
                "model/config.json",
                "model-ema/diffusion_pytorch_model.safetensors")) {
            assertTrue(Files.exists(run.resolve(output)), output);
        }
        try (TensorScope scope = new TensorScope()) {
            assertEquals(2, AutoencoderKL.fromPretrained(run.resolve("model")).downsamplingFactor());
        }
    }

    @Test
    void resumeContinuesTheRunFromItsLastCheckpoint(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        CliTestSupport.run("train", "--recipe", microRecipe(), "--out", run.toString(), "--steps", "20")
                .assertOk();
        CliTestSupport.run("train", "--resume", run.toString(), "--steps", "30").assertOk();
        List<JsonNode> steps = metrics(run, "train");
        assertEquals(30, steps.size());
        for (int i = 0; i < steps.size(); i++) {
            assertEquals(i + 1, steps.get(i).get("step").asLong());
        }
        assertTrue(Files.exists(run.resolve("checkpoints/step-00000030/state.json")));
    }

    /**
     * Training on WebDataset tar shards given as a brace pattern (images of mixed sizes, cropped to 16 px): a run
     * stopped at step 6 and resumed to step 12 logs exactly the losses of an uninterrupted 12-step run and ends with
     * byte-identical weights.
     */
    @Test
    void trainsOnTarShardsAndResumesExactly(@TempDir Path dir) throws IOException {
        assertShardTrainingResumesExactly(dir, microRecipe());
    }

    /** The same with aspect-ratio buckets (20x12, 16x16, 12x20 at 16 px): batches of one shape per step. */
    @Test
    void trainsOnAspectBucketsAndResumesExactly(@TempDir Path dir) throws IOException {
        Path recipe = dir.resolve("buckets.yaml");
        Files.writeString(
                recipe,
                Files.readString(Path.of(microRecipe()))
                        .replace("name: micro", "name: buckets")
                        .replace(
                                "  image_size: 16\n",
                                "  image_size: 16\n  buckets: true\n  bucket_step: 4\n  max_aspect: 2\n"));
        assertTrue(Files.readString(recipe).contains("buckets: true"));
        assertShardTrainingResumesExactly(dir, recipe.toString());
    }

    private static void assertShardTrainingResumesExactly(Path dir, String recipe) throws IOException {
        dev.vae4j.train.testing.TarShardWriter.write(
                dir.resolve("shards"), 3, 8, new int[][] {{24, 16}, {16, 20}, {16, 16}}, 4);
        String pattern = dir.resolve("shards") + "/shard-{000000..000002}.tar";
        Path straight = dir.resolve("straight");
        Path resumed = dir.resolve("resumed");
        CliTestSupport.run(
                        "train", "--recipe", recipe, "--data", pattern, "--out", straight.toString(), "--steps", "12")
                .assertOk();
        CliTestSupport.run("train", "--recipe", recipe, "--data", pattern, "--out", resumed.toString(), "--steps", "6")
                .assertOk();
        CliTestSupport.run("train", "--resume", resumed.toString(), "--data", pattern, "--steps", "12")
                .assertOk();
        List<JsonNode> expected = metrics(straight, "train");
        List<JsonNode> actual = metrics(resumed, "train");
        assertEquals(12, actual.size());
        for (int i = 0; i < 12; i++) {
            assertEquals(expected.get(i).get("loss"), actual.get(i).get("loss"), "step " + (i + 1));
        }
        String weights = "model/diffusion_pytorch_model.safetensors";
        assertEquals(-1L, Files.mismatch(straight.resolve(weights), resumed.resolve(weights)));
    }

    /**
     * LiteVAE's two phases at test size (32 px): phase A (no discriminator, wavelet + Gaussian terms) learns (held-out
     * PSNR up by 0.5 dB; the tiny SMC model learns slowly); phase B (PatchGAN) starts from phase A's final weights —
     * its first validation equals phase A's last — with fresh optimizers and step count; the exported LiteVAE folder
     * works with {@code vae reconstruct}.
     */
    @Test
    void liteVaePhaseAThenPhaseBFromItsWeights(@TempDir Path dir) throws IOException {
        Path phaseA = dir.resolve("a");
        CliTestSupport.run("train", "--recipe", testRecipe("litevae-micro-a"), "--out", phaseA.toString())
                .assertOk();
        List<JsonNode> validation = metrics(phaseA, "validation");
        double phaseAEnd = validation.get(validation.size() - 1).get("psnr").asDouble();
        assertTrue(phaseAEnd > validation.get(0).get("psnr").asDouble() + 0.5, validation.toString());
        assertTrue(metrics(phaseA, "train").get(0).has("wave"));
        Path phaseB = dir.resolve("b");
        CliTestSupport.run("train", "--recipe", testRecipe("litevae-micro-b"), "--out", phaseB.toString())
                .assertOneLineError("--init-from");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        testRecipe("litevae-micro-b"),
                        "--out",
                        phaseB.toString(),
                        "--init-from",
                        phaseA.toString())
                .assertOk();
        List<JsonNode> steps = metrics(phaseB, "train");
        assertEquals(1, steps.get(0).get("step").asLong(), "phase B restarts its step count");
        assertTrue(
                steps.get(0).has("disc") && steps.get(0).has("gauss"),
                steps.get(0).toString());
        assertEquals(
                phaseAEnd,
                metrics(phaseB, "validation").get(0).get("psnr").asDouble(),
                1e-9,
                "phase B starts from phase A's final weights");
        Path image = dir.resolve("in.png");
        javax.imageio.ImageIO.write(
                new dev.vae4j.train.data.SyntheticImages(1, 32, 9, false).render(0), "png", image.toFile());
        CliTestSupport.run(
                        "reconstruct",
                        "--model",
                        phaseB.resolve("model").toString(),
                        "--input",
                        image.toString(),
                        "--output",
                        dir.resolve("out.png").toString())
                .assertOk();
        assertTrue(Files.exists(dir.resolve("out.png")));
    }

    /**
     * The grad-normalized objective end to end: LPIPS from a converted weight file, fixed posterior variance,
     * gradnorm'd pooled/low-pass/LPIPS/GAN branches and the VGG discriminator from step 20. The run ends better than it
     * started on every held-out metric, by stated margins: the final evaluation (step 60) against the first (step 0).
     * Measured (first -> final): PSNR 11.16 -> 13.99 dB, SSIM 0.115 -> 0.526, LPIPS 0.180 -> 0.112 with the test JVMs'
     * AVX2 kernels; 13.24 dB, 0.460, 0.121 with AVX-512 kernels; 13.41 dB, 0.434, 0.135 with ATen's default
     * (unvectorised) kernels: the margins (+1.5 dB, +0.2, -20 %) hold for all three.
     */
    @Test
    void gradNormalizedRecipeTrainsWithLpipsAndTheVggDiscriminator(@TempDir Path dir) throws IOException {
        Path pth = dev.vae4j.core.testing.Fixtures.dir("lpips_pth");
        Path lpips = dir.resolve("lpips.safetensors");
        CliTestSupport.run(
                        "convert",
                        "--to",
                        "lpips",
                        "--input",
                        pth.resolve("vgg16_narrow.pth").toString(),
                        "--heads",
                        pth.resolve("lpips_heads.pth").toString(),
                        "--output",
                        lpips.toString())
                .assertOk();
        Path run = dir.resolve("run");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        testRecipe("grad-normalized-micro"),
                        "--out",
                        run.toString(),
                        "--lpips",
                        lpips.toString())
                .assertOk();
        List<JsonNode> validation = metrics(run, "validation");
        JsonNode first = validation.get(0);
        JsonNode last = validation.get(validation.size() - 1);
        assertEquals(0, first.get("step").asLong());
        assertEquals(60, last.get("step").asLong());
        assertTrue(last.get("psnr").asDouble() > first.get("psnr").asDouble() + 1.5, validation.toString());
        assertTrue(last.get("ssim").asDouble() > first.get("ssim").asDouble() + 0.2, validation.toString());
        assertTrue(last.get("lpips").asDouble() < 0.8 * first.get("lpips").asDouble(), validation.toString());
        List<JsonNode> steps = metrics(run, "train");
        for (String term : List.of("pooled", "low_pass", "p", "kl")) {
            assertTrue(steps.get(0).has(term), term);
        }
        assertTrue(!steps.get(19).has("g") && steps.get(20).has("g"), "GAN branch from step 21 (index 20)");
    }

    /**
     * An ImageNet-style tree (class folders, one with a folder inside) trains as one set: 10 images train and the last
     * 4 in path order are held out.
     */
    @Test
    void trainsOnATreeOfClassFolders(@TempDir Path dir) throws IOException {
        Path images = dir.resolve("images");
        Random random = new Random(5);
        for (String name : List.of(
                "n01/a",
                "n01/b",
                "n01/c",
                "n01/d",
                "n01/e",
                "n02/f",
                "n02/g",
                "n02/deep/h",
                "n02/deep/i",
                "n03/j",
                "n03/k",
                "n03/l",
                "n03/m",
                "n03/n")) {
            BufferedImage picture = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 20; y++) {
                for (int x = 0; x < 20; x++) {
                    picture.setRGB(x, y, random.nextInt(1 << 24));
                }
            }
            Path file = images.resolve(name + ".png");
            Files.createDirectories(file.getParent());
            ImageIO.write(picture, "png", file.toFile());
        }
        CliTestSupport.Result result = CliTestSupport.run(
                "train",
                "--recipe",
                microRecipe(),
                "--data",
                images.toString(),
                "--out",
                dir.resolve("run").toString(),
                "--steps",
                "2");
        result.assertOk();
        assertTrue(result.out().contains("trained 2 steps"), result.out());
        TrainingData data = TrainingData.of(Recipe.load(microRecipe()), images);
        assertEquals(10, data.train().size());
        assertEquals(4, data.validation().size());
        assertTrue(data.source().endsWith("(10 training, 4 validation images)"), data.source());
    }

    @Test
    void misuseIsReportedInOneLine(@TempDir Path dir) {
        Path run = dir.resolve("run");
        CliTestSupport.run("train", "--recipe", microRecipe(), "--out", run.toString(), "--steps", "1")
                .assertOk();
        CliTestSupport.run("train", "--recipe", microRecipe(), "--out", run.toString(), "--steps", "1")
                .assertOneLineError("already holds a run", "--resume", "--overwrite");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        "sd-ft-mse",
                        "--out",
                        dir.resolve("ft").toString())
                .assertOneLineError("--init-from");
        CliTestSupport.run("train", "--recipe", "no-such-recipe").assertOneLineError("no-such-recipe", "kl-f4-small");
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        microRecipe(),
                        "--data",
                        dir.resolve("missing").toString(),
                        "--out",
                        dir.resolve("x").toString())
                .assertOneLineError("missing");
    }
}
