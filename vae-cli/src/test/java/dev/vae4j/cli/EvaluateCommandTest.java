package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.eval.fid.FidInceptionV3;
import dev.vae4j.train.data.Augmentation;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.data.ImageFolderDataset;
import dev.vae4j.train.metrics.Psnr;
import dev.vae4j.train.metrics.Ssim;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vae evaluate} on a tiny random model and a handful of tiny images. */
class EvaluateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs the command standalone, with the CLI's one-line error handler. */
    private static CliTestSupport.Result evaluate(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli =
                new CommandLine(new EvaluateCommand()).setExecutionExceptionHandler(VaeCli::handleExecutionException);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new CliTestSupport.Result(cli.execute(args), out.toString(), err.toString());
    }

    private static Path images(Path dir, int count) throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        for (int i = 0; i < count; i++) {
            CliTestSupport.writeImage(data.resolve("img" + i + ".png"), 20 + 4 * i, 16, i);
        }
        return data;
    }

    @Test
    void writesMetricsFiguresAndLatentStatistics(@TempDir Path dir) throws IOException {
        Path model = CliTestSupport.saveTestModel(dir.resolve("model"));
        Path data = images(dir, 5);
        Path out = dir.resolve("eval");
        CliTestSupport.Result result = evaluate(
                "--model",
                model.toString(),
                "--data",
                data.toString(),
                "--size",
                "16",
                "--batch-size",
                "2",
                "--limit",
                "4",
                "--worst",
                "3",
                "--output",
                out.toString());
        result.assertOk();
        assertTrue(result.out().contains("psnr") && result.out().contains("ssim"), result.out());
        assertTrue(result.out().contains("LPIPS not computed"), result.out());
        assertTrue(result.out().contains("rFID not computed: no Inception weights given"), result.out());
        JsonNode json = JSON.readTree(out.resolve("eval.json").toFile());
        assertEquals(4, json.get("images").asInt());
        assertEquals(4, json.get("metrics").get("psnr").get("count").asInt());
        assertFalse(json.get("metrics").has("lpips"));
        assertEquals(4, json.get("latents").get("channel_mean").size());
        assertEquals(4, json.get("latents").get("channel_std").size());
        long histogramTotal = 0;
        for (JsonNode count : json.get("latents").get("histogram").get("counts").get(0)) {
            histogramTotal += count.asLong();
        }
        assertEquals(4 * 8 * 8, histogramTotal, "channel 0 holds N * h * w latent values");
        assertEquals(3, json.get("worst").size());
        assertTrue(Files.size(out.resolve("worst.png")) > 0);
        assertTrue(Files.size(out.resolve("latent_histogram.png")) > 0);
        assertEquals(32, CliTestSupport.imageSize(out.resolve("worst.png"))[0]);

        // the streamed statistics equal the metrics of the whole (limited) set computed in one batch
        try (TensorScope scope = new TensorScope();
                InferenceMode guard = new InferenceMode()) {
            AutoencoderKL kl = AutoencoderKL.fromPretrained(model);
            kl.eval();
            ImageFolderDataset dataset =
                    new ImageFolderDataset(data, ImageTensors.listImages(data).subList(0, 4), Augmentation.center(16));
            List<ImageArray> arrays = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                arrays.add(dataset.get(i, new SplittableRandom(0)));
            }
            Tensor images = ImageArray.toBatch(arrays);
            Tensor decoded = kl.decode(kl.encode(images).mode())
                    .clamp(new ScalarOptional(new Scalar(-1.0)), new ScalarOptional(new Scalar(1.0)));
            JsonNode m = json.get("metrics");
            assertEquals(Psnr.mean(images, decoded), m.get("psnr").get("mean").asDouble(), 1e-6);
            assertEquals(Ssim.mean(images, decoded), m.get("ssim").get("mean").asDouble(), 1e-6);
        }
    }

    @Test
    void lpipsIsReportedWhenWeightsAreGiven(@TempDir Path dir) throws IOException {
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
        Path model = CliTestSupport.saveTestModel(dir.resolve("model"));
        Path out = dir.resolve("eval");
        evaluate(
                        "--model",
                        model.toString(),
                        "--data",
                        images(dir, 2).toString(),
                        "--size",
                        "32",
                        "--lpips",
                        lpips.toString(),
                        "--ssim-padded",
                        "--output",
                        out.toString())
                .assertOk();
        JsonNode metrics = JSON.readTree(out.resolve("eval.json").toFile()).get("metrics");
        assertEquals(2, metrics.get("lpips").get("count").asInt());
        assertTrue(metrics.get("lpips").get("mean").asDouble() > 0);
        assertTrue(metrics.get("ssim").get("definition").asText().contains("torchmetrics"));
    }

    /** rFID with a randomly initialised (full-size) FID Inception; the reference statistics are cached and reused. */
    @Test
    void rfidIsComputedAndReferenceStatisticsAreCached(@TempDir Path dir) throws IOException {
        Path weights = dir.resolve("inception.safetensors");
        try (TensorScope scope = new TensorScope()) {
            StateDict.save(new FidInceptionV3(), weights);
        }
        Path model = CliTestSupport.saveTestModel(dir.resolve("model"));
        Path data = images(dir, 2);
        Path cache = dir.resolve("ref_stats.safetensors");
        double[] rfid = new double[2];
        for (int run = 0; run < 2; run++) {
            Path out = dir.resolve("eval" + run);
            CliTestSupport.Result result = evaluate(
                    "--model",
                    model.toString(),
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
                    "--reference-stats",
                    cache.toString(),
                    "--output",
                    out.toString());
            result.assertOk();
            assertTrue(result.out().contains("rfid"), result.out());
            JsonNode metric = JSON.readTree(out.resolve("eval.json").toFile())
                    .get("metrics")
                    .get("rfid");
            rfid[run] = metric.get("value").asDouble();
            assertTrue(Files.exists(cache));
            assertEquals(run == 1, metric.get("definition").asText().contains("from " + cache), metric.toString());
        }
        assertTrue(Double.isFinite(rfid[0]) && rfid[0] > 0, "rFID " + rfid[0]);
        assertEquals(rfid[0], rfid[1], 1e-6 * rfid[0], "cached reference statistics give the same rFID");
        evaluate(
                        "--model",
                        model.toString(),
                        "--data",
                        data.toString(),
                        "--size",
                        "16",
                        "--limit",
                        "1",
                        "--inception",
                        weights.toString(),
                        "--reference-stats",
                        cache.toString(),
                        "--output",
                        dir.resolve("eval2").toString())
                .assertOneLineError("images=2", "images=1", "--reference-stats");
    }

    @Test
    void badArgumentsNameTheProblem(@TempDir Path dir) throws IOException {
        Path model = CliTestSupport.saveTestModel(dir.resolve("model"));
        Path data = images(dir, 1);
        evaluate("--model", model.toString(), "--data", data.toString(), "--size", "8")
                .assertUsageError("--size must be at least 11");
        evaluate("--model", model.toString(), "--data", data.toString(), "--reference-stats", "x.safetensors")
                .assertUsageError("--reference-stats needs --inception");
        evaluate(
                        "--model",
                        model.toString(),
                        "--data",
                        data.toString(),
                        "--size",
                        "17",
                        "--output",
                        dir.resolve("o").toString())
                .assertOneLineError("--size 17", "downsampling factor 2");
        evaluate(
                        "--model",
                        model.toString(),
                        "--data",
                        dir.resolve("missing").toString(),
                        "--output",
                        dir.resolve("o").toString())
                .assertOneLineError("missing");
    }
}
