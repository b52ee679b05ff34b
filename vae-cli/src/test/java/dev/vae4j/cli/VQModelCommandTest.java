package dev.vae4j.cli;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.model.VQModel;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * diffusers {@code VQModel} folders through the CLI: an LDM VQ first stage (the {@code vq_model/ldm_layout} fixture)
 * converts to a diffusers folder whose forward matches diffusers' own, and back to the same LDM tensors;
 * {@code inspect}, {@code encode} and {@code reconstruct} take the folder; {@code inspect --preset vq-f4} reports the
 * reference count; a {@code norm_type "spatial"} folder (MoVQ, the {@code vq_model/spatial} fixture) goes through
 * {@code inspect}, {@code encode}, {@code decode} and {@code reconstruct} the same way.
 */
class VQModelCommandTest {
    private static final Path CASE = Fixtures.dir("vq_model/ldm_layout");

    @Test
    void ldmVqCheckpointRoundTripsThroughVaeConvert(@TempDir Path dir) {
        Path diffusers = dir.resolve("diffusers");
        CliTestSupport.run(
                        "convert",
                        "--input",
                        CASE.resolve("ldm.safetensors").toString(),
                        "--output",
                        diffusers.toString(),
                        "--config",
                        CASE.resolve("config.json").toString())
                .assertOk();
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(CASE.resolve("io.safetensors"))) {
            VQModel model = VQModel.fromPretrained(diffusers);
            model.eval();
            assertClose("converted VQ forward", io.load("forward"), model.forward(io.load("input")), 1e-5);
        }
        Path back = dir.resolve("back.safetensors");
        CliTestSupport.run("convert", "--input", diffusers.toString(), "--output", back.toString())
                .assertOk();
        try (TensorScope scope = new TensorScope();
                SafetensorsReader original = SafetensorsReader.open(CASE.resolve("ldm.safetensors"));
                SafetensorsReader converted = SafetensorsReader.open(back)) {
            assertEquals(new TreeSet<>(original.names()), new TreeSet<>(converted.names()));
            for (String name : original.names()) {
                assertTrue(original.load(name).equal(converted.load(name)), name);
            }
        }
    }

    @Test
    void inspectEncodeAndReconstructTakeAVqModelFolder(@TempDir Path dir) {
        Path folder = dir.resolve("vq");
        CliTestSupport.run(
                        "convert",
                        "--input",
                        CASE.resolve("ldm.safetensors").toString(),
                        "--output",
                        folder.toString(),
                        "--config",
                        CASE.resolve("config.json").toString())
                .assertOk();
        CliTestSupport.Result inspect = CliTestSupport.run("inspect", "--model", folder.toString());
        inspect.assertOk();
        assertTrue(inspect.out().contains("\"_class_name\" : \"VQModel\""), inspect.out());
        assertTrue(inspect.out().contains("latents: 4 channels, downsampling factor 2"), inspect.out());
        assertTrue(inspect.out().contains("229,989"), inspect.out());
        Path image = CliTestSupport.writeImage(dir.resolve("a.png"), 32, 24, 1);
        Path out = dir.resolve("a_rec.png");
        CliTestSupport.Result reconstruct = CliTestSupport.run(
                "reconstruct", "--model", folder.toString(), "--input", image.toString(), "--output", out.toString());
        reconstruct.assertOk();
        assertArrayEquals(new int[] {32, 24}, CliTestSupport.imageSize(out));
        Path latents = dir.resolve("latents.safetensors");
        CliTestSupport.run(
                        "encode",
                        "--model",
                        folder.toString(),
                        "--input",
                        image.toString(),
                        "--output",
                        latents.toString())
                .assertOk();
        try (TensorScope scope = new TensorScope();
                SafetensorsReader reader = SafetensorsReader.open(latents)) {
            Tensor indices = reader.load("indices");
            assertArrayEquals(new long[] {1, 12, 16}, indices.sizes().vec().get());
            VQModel model = VQModel.fromPretrained(folder);
            model.eval();
            try (NoGradGuard noGrad = new NoGradGuard()) {
                Tensor codes = model.vectorQuantizer().codes(indices);
                assertClose("codes of the written indices", reader.load("mean"), codes, 1e-6);
            }
            Path onlyIndices = dir.resolve("indices.safetensors");
            SafetensorsWriter.write(onlyIndices, Map.of("indices", indices), Map.of());
            Path fromIndices = dir.resolve("from_indices.safetensors");
            Path fromLatents = dir.resolve("from_latents.safetensors");
            CliTestSupport.run(
                            "decode",
                            "--model",
                            folder.toString(),
                            "--input",
                            onlyIndices.toString(),
                            "--output",
                            fromIndices.toString())
                    .assertOk();
            CliTestSupport.run(
                            "decode",
                            "--model",
                            folder.toString(),
                            "--input",
                            latents.toString(),
                            "--output",
                            fromLatents.toString())
                    .assertOk();
            try (SafetensorsReader a = SafetensorsReader.open(fromIndices);
                    SafetensorsReader b = SafetensorsReader.open(fromLatents)) {
                assertClose("decode(indices) vs decode(latents)", b.load("images"), a.load("images"), 1e-5);
            }
        }
    }

    @Test
    void spatialNormFolderInspectsEncodesDecodesAndReconstructs(@TempDir Path dir) {
        Path folder = Fixtures.dir("vq_model/spatial");
        CliTestSupport.Result inspect = CliTestSupport.run("inspect", "--model", folder.toString());
        inspect.assertOk();
        assertTrue(inspect.out().contains("\"norm_type\" : \"spatial\""), inspect.out());
        assertTrue(inspect.out().contains("235,695"), inspect.out());
        Path image = CliTestSupport.writeImage(dir.resolve("a.png"), 16, 16, 2);
        Path out = dir.resolve("a_rec.png");
        CliTestSupport.run(
                        "reconstruct",
                        "--model",
                        folder.toString(),
                        "--input",
                        image.toString(),
                        "--output",
                        out.toString())
                .assertOk();
        assertArrayEquals(new int[] {16, 16}, CliTestSupport.imageSize(out));
        Path latents = dir.resolve("latents.safetensors");
        CliTestSupport.run(
                        "encode",
                        "--model",
                        folder.toString(),
                        "--input",
                        image.toString(),
                        "--output",
                        latents.toString())
                .assertOk();
        Path onlyIndices = dir.resolve("indices.safetensors");
        try (TensorScope scope = new TensorScope();
                SafetensorsReader reader = SafetensorsReader.open(latents)) {
            Tensor indices = reader.load("indices");
            assertArrayEquals(new long[] {1, 8, 8}, indices.sizes().vec().get());
            SafetensorsWriter.write(onlyIndices, Map.of("indices", indices), Map.of());
        }
        Path fromIndices = dir.resolve("from_indices.safetensors");
        Path fromLatents = dir.resolve("from_latents.safetensors");
        CliTestSupport.run(
                        "decode",
                        "--model",
                        folder.toString(),
                        "--input",
                        onlyIndices.toString(),
                        "--output",
                        fromIndices.toString())
                .assertOk();
        CliTestSupport.run(
                        "decode",
                        "--model",
                        folder.toString(),
                        "--input",
                        latents.toString(),
                        "--output",
                        fromLatents.toString())
                .assertOk();
        try (TensorScope scope = new TensorScope();
                SafetensorsReader a = SafetensorsReader.open(fromIndices);
                SafetensorsReader b = SafetensorsReader.open(fromLatents)) {
            assertClose("spatial decode(indices) vs decode(latents)", b.load("images"), a.load("images"), 1e-5);
        }
    }

    @Test
    void evaluateReportsCodebookUsageAndPerplexity(@TempDir Path dir) throws IOException {
        Path folder = dir.resolve("vq");
        CliTestSupport.run(
                        "convert",
                        "--input",
                        CASE.resolve("ldm.safetensors").toString(),
                        "--output",
                        folder.toString(),
                        "--config",
                        CASE.resolve("config.json").toString())
                .assertOk();
        Path data = Files.createDirectories(dir.resolve("data"));
        for (int i = 0; i < 3; i++) {
            CliTestSupport.writeImage(data.resolve("img" + i + ".png"), 16, 16, i);
        }
        Path out = dir.resolve("eval");
        CliTestSupport.Result result = CliTestSupport.run(
                "evaluate",
                "--model",
                folder.toString(),
                "--data",
                data.toString(),
                "--size",
                "16",
                "--output",
                out.toString());
        result.assertOk();
        assertTrue(result.out().contains("codebook_usage"), result.out());
        JsonNode metrics =
                new ObjectMapper().readTree(out.resolve("eval.json").toFile()).get("metrics");
        double usage = metrics.get("codebook_usage").get("value").asDouble();
        double perplexity = metrics.get("codebook_perplexity").get("value").asDouble();
        assertTrue(usage > 0 && usage <= 1, "usage " + usage);
        assertTrue(perplexity >= 1 && perplexity <= 32, "perplexity " + perplexity);
    }

    @Test
    void latentCacheStoresCodeIndices(@TempDir Path dir) throws IOException {
        Path folder = dir.resolve("vq");
        CliTestSupport.run(
                        "convert",
                        "--input",
                        CASE.resolve("ldm.safetensors").toString(),
                        "--output",
                        folder.toString(),
                        "--config",
                        CASE.resolve("config.json").toString())
                .assertOk();
        Path data = Files.createDirectories(dir.resolve("data"));
        for (int i = 0; i < 3; i++) {
            CliTestSupport.writeImage(data.resolve("img" + i + ".png"), 16, 16, i);
        }
        Path cache = dir.resolve("cache");
        CliTestSupport.run(
                        "encode",
                        "--model",
                        folder.toString(),
                        "--input",
                        data.toString(),
                        "--output",
                        cache + "/",
                        "--resolution",
                        "16",
                        "--flip")
                .assertOk();
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader shard = SafetensorsReader.open(cache.resolve("latents-000000.safetensors"))) {
            VQModel model = VQModel.fromPretrained(folder);
            model.eval();
            for (String suffix : new String[] {"", "_flip"}) {
                Tensor indices = shard.load("0.indices" + suffix);
                assertArrayEquals(new long[] {8, 8}, indices.sizes().vec().get());
                Tensor codes =
                        model.vectorQuantizer().codes(indices.unsqueeze(0)).squeeze(0);
                // the cache holds normalised latents: (z - 0) * scaling_factor 0.5
                assertClose("cached codes" + suffix, shard.load("0.mean" + suffix), codes.mul(new Scalar(0.5)), 1e-6);
            }
        }
    }

    @Test
    void trainingAVqModelWithoutCodebookTermsIsRefusedInOneLine(@TempDir Path dir) {
        Path folder = dir.resolve("vq");
        CliTestSupport.run(
                        "convert",
                        "--input",
                        CASE.resolve("ldm.safetensors").toString(),
                        "--output",
                        folder.toString(),
                        "--config",
                        CASE.resolve("config.json").toString())
                .assertOk();
        CliTestSupport.run(
                        "train",
                        "--recipe",
                        "kl-f4-small",
                        "--init-from",
                        folder.toString(),
                        "--out",
                        dir.resolve("run").toString())
                .assertOneLineError("VQ model", "no codebook and commitment terms");
    }

    @Test
    void inspectReportsTheVqF4PresetCount() {
        CliTestSupport.Result inspect = CliTestSupport.run("inspect", "--preset", "vq-f4");
        inspect.assertOk();
        assertTrue(inspect.out().contains("55,322,782"), inspect.out());
        assertTrue(inspect.out().contains("latents: 3 channels, downsampling factor 4"), inspect.out());
    }
}
