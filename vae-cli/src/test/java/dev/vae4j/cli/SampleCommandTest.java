package dev.vae4j.cli;

import static dev.vae4j.cli.CliTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.pipeline.DiTPipeline;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae sample} on vae-diffusion's diffusers {@code DiTPipeline} fixture
 * ({@code tools/reference/gen_dit_pipeline.py}, DDIM, classes 0 and 3, 10 steps, guidance 4, seed 0): the PNGs hold
 * diffusers' images to within one 8-bit level; {@code --noise} with the seeded run's initial latents reproduces it and
 * {@code --output-latents} holds the library's final latents; an existing output, a class id the model lacks, a folder
 * without a part and a noise file of another tensor name, shape or dtype are refused in one line.
 */
class SampleCommandTest {
    private static final Path PIPELINE = Path.of("../vae-diffusion/src/test/resources/fixtures/dit_pipeline/ddim");

    private static String[] args(Path out, String classes, String... more) {
        String[] base = {
            "sample",
            "--model",
            PIPELINE.toString(),
            "--classes",
            classes,
            "--steps",
            "10",
            "--cfg",
            "4.0",
            "--seed",
            "0",
            "--output",
            out.toString()
        };
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void writesDiffusersImagesAsPngs(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        run(args(out, "0,3")).assertOk();
        assertDiffusersImages(out, PIPELINE);
        byte[] first = Files.readAllBytes(out.resolve("0-0.png"));
        run(args(out, "0,3")).assertOneLineError("already exist", "0-0.png", "--overwrite");
        run(args(out, "0,3", "--overwrite")).assertOk();
        assertArrayEquals(first, Files.readAllBytes(out.resolve("0-0.png")));
    }

    /** The PNGs 0-0.png and 3-0.png in {@code out} hold the fixture's diffusers images to within one 8-bit level. */
    private static void assertDiffusersImages(Path out, Path fixture) throws IOException {
        try (TensorScope scope = new TensorScope();
                SafetensorsReader reader = SafetensorsReader.open(fixture.resolve("io.safetensors"))) {
            Tensor expected = reader.loadAll().get("images");
            String[] names = {"0-0.png", "3-0.png"};
            for (int b = 0; b < names.length; b++) {
                BufferedImage png = ImageIO.read(out.resolve(names[b]).toFile());
                for (int y = 0; y < png.getHeight(); y++) {
                    for (int x = 0; x < png.getWidth(); x++) {
                        int rgb = png.getRGB(x, y);
                        int[] levels = {rgb >> 16 & 0xff, rgb >> 8 & 0xff, rgb & 0xff};
                        for (int c = 0; c < 3; c++) {
                            double want = expected.get(b).get(y).get(x).get(c).item_double() * 255;
                            assertTrue(Math.abs(levels[c] - want) <= 1.0, names[b] + " " + x + "," + y + "," + c);
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code --sampler dpm-solver++} on the DDIM folder samples as diffusers does after {@code pipe.scheduler =
     * DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)} (the DDIM config's leading spacing and steps
     * offset carried over); {@code --vae} with the folder's own vae/ changes nothing, one of other latent channels is
     * refused; ddim with eta draws step noise.
     */
    @Test
    void samplerAndVaeOptionsOverrideTheFolders(@TempDir Path tmp) throws IOException {
        Path dpm = tmp.resolve("dpm");
        run(args(dpm, "0,3", "--sampler", "dpm-solver++")).assertOk();
        assertDiffusersImages(dpm, PIPELINE.resolveSibling("ddim_as_dpm_solver"));
        Path ownVae = tmp.resolve("own-vae");
        run(args(ownVae, "0,3", "--vae", PIPELINE.resolve("vae").toString())).assertOk();
        assertDiffusersImages(ownVae, PIPELINE);
        Path wide = tmp.resolve("wide");
        try (TensorScope scope = new TensorScope()) {
            new AutoencoderKL(AutoencoderKLConfig.builder(java.util.List.of(8, 16), 8)
                            .layersPerBlock(1)
                            .normNumGroups(4)
                            .sampleSize(32)
                            .build())
                    .save(wide);
        }
        run(args(tmp.resolve("o"), "0,3", "--vae", wide.toString()))
                .assertOneLineError("the transformer denoises 4 latent channels; the VAE decodes 8");
        Path eta = tmp.resolve("eta");
        run(args(eta, "0,3", "--sampler", "ddim", "--eta", "1.0")).assertOk();
        assertTrue(!java.util.Arrays.equals(
                Files.readAllBytes(ownVae.resolve("0-0.png")), Files.readAllBytes(eta.resolve("0-0.png"))));
        run(args(tmp.resolve("o"), "0,3", "--sampler", "euler"))
                .assertOneLineError("sampler euler runs on a rectified-flow path");
    }

    @Test
    void countNamesOneFilePerImage(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        run(args(out, "5", "--count", "2")).assertOk();
        try (var files = Files.list(out)) {
            assertEquals(
                    java.util.List.of("5-0.png", "5-1.png", SampleCommand.GRID_FILE),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void badClassAndMissingPartAreOneLine(@TempDir Path tmp) throws IOException {
        run(args(tmp.resolve("out"), "0,1000")).assertOneLineError("class id 1000", "[0, 999]");
        Path broken = Files.createDirectories(tmp.resolve("broken"));
        Files.copy(PIPELINE.resolve("model_index.json"), broken.resolve("model_index.json"));
        run(
                        "sample",
                        "--model",
                        broken.toString(),
                        "--classes",
                        "0",
                        "--output",
                        tmp.resolve("o2").toString())
                .assertOneLineError("no transformer/ folder");
    }

    private static long[] latentShape(DiTPipeline pipeline, long n) {
        return new long[] {n, pipeline.transformer().latentChannels(), pipeline.latentSize(), pipeline.latentSize()};
    }

    @Test
    void noiseFileReproducesTheSeededRunAndOutputLatentsAreTheLibrarys(@TempDir Path tmp) throws IOException {
        Path noise = tmp.resolve("noise.safetensors");
        Path seededLatents = tmp.resolve("seeded.safetensors");
        Path noiseLatents = tmp.resolve("from-noise.safetensors");
        try (TensorScope scope = new TensorScope()) {
            DiTPipeline pipeline = DiTPipeline.load(PIPELINE);
            // drawn as DiTPipeline.generate draws the initial latents of --seed 0
            Tensor drawn = torch.randn(
                    latentShape(pipeline, 2),
                    new GeneratorOptional(torch.createCPUGenerator(0)),
                    new TensorOptions(torch.ScalarType.Float));
            SafetensorsWriter.write(noise, Map.of("noise", drawn), null);

            run(args(tmp.resolve("seeded"), "0,3", "--output-latents", seededLatents.toString()))
                    .assertOk();
            run(args(
                            tmp.resolve("noise"),
                            "0,3",
                            "--noise",
                            noise.toString(),
                            "--output-latents",
                            noiseLatents.toString()))
                    .assertOk();
            for (String name : new String[] {"0-0.png", "3-0.png"}) {
                assertArrayEquals(
                        Files.readAllBytes(tmp.resolve("seeded").resolve(name)),
                        Files.readAllBytes(tmp.resolve("noise").resolve(name)),
                        name);
            }
            Tensor expected = pipeline.generateLatents(new long[] {0, 3}, 10, 4.0, 0);
            for (Path file : new Path[] {seededLatents, noiseLatents}) {
                try (SafetensorsReader reader = SafetensorsReader.open(file)) {
                    assertEquals(java.util.List.of("latents"), reader.names());
                    Tensor latents = reader.load("latents");
                    assertArrayEquals(
                            latentShape(pipeline, 2), latents.sizes().vec().get());
                    assertTrue(torch.equal(expected, latents), file.toString());
                }
            }
        }
        run(args(tmp.resolve("other"), "0,3", "--output-latents", seededLatents.toString()))
                .assertOneLineError("--output-latents " + seededLatents, "--overwrite");
        // other noise, other latents: --noise is what the sampler starts from
        try (TensorScope scope = new TensorScope();
                SafetensorsReader reader = SafetensorsReader.open(noise)) {
            SafetensorsWriter.write(noise, Map.of("noise", reader.load("noise").neg()), null);
        }
        run(args(
                        tmp.resolve("negated"),
                        "0,3",
                        "--noise",
                        noise.toString(),
                        "--output-latents",
                        seededLatents.toString(),
                        "--overwrite"))
                .assertOk();
        try (TensorScope scope = new TensorScope();
                SafetensorsReader negated = SafetensorsReader.open(seededLatents);
                SafetensorsReader original = SafetensorsReader.open(noiseLatents)) {
            assertTrue(!torch.equal(negated.load("latents"), original.load("latents")));
        }
    }

    @Test
    void badNoiseFilesAreOneLine(@TempDir Path tmp) {
        try (TensorScope scope = new TensorScope()) {
            DiTPipeline pipeline = DiTPipeline.load(PIPELINE);
            long[] shape = latentShape(pipeline, 2);
            String expected = "(2, " + shape[1] + ", " + shape[2] + ", " + shape[3] + ")";
            Map<String, Tensor> cases = new java.util.LinkedHashMap<>();
            cases.put("wrong-name", torch.randn(shape));
            cases.put("batch", torch.randn(latentShape(pipeline, 1)));
            cases.put("rank", torch.randn(shape[1], shape[2], shape[3]));
            cases.put("channels", torch.randn(shape[0], shape[1] + 1, shape[2], shape[3]));
            cases.put("size", torch.randn(shape[0], shape[1], shape[2] * 2, shape[3] * 2));
            cases.put("dtype", torch.zeros(shape).to(torch.ScalarType.Long));
            for (Map.Entry<String, Tensor> c : cases.entrySet()) {
                Path file = tmp.resolve(c.getKey() + ".safetensors");
                String name = c.getKey().equals("wrong-name") ? "latents" : "noise";
                SafetensorsWriter.write(file, Map.of(name, c.getValue()), null);
                String problem = c.getKey().equals("wrong-name")
                        ? "has no tensor 'noise'"
                        : c.getKey().equals("dtype") ? "dtype" : "has shape";
                run(args(tmp.resolve("out"), "0,3", "--noise", file.toString()))
                        .assertOneLineError("--noise " + file, problem, expected, "2 classes x --count 1");
            }
        }
        run(args(
                        tmp.resolve("out"),
                        "0,3",
                        "--noise",
                        tmp.resolve("none.safetensors").toString()))
                .assertOneLineError("none.safetensors");
    }
}
