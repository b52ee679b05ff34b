package dev.vae4j.cli;

import static dev.vae4j.cli.CliTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae sample} on vae-diffusion's diffusers {@code DiTPipeline} fixture
 * ({@code tools/reference/gen_dit_pipeline.py}, DDIM, classes 0 and 3, 10 steps, guidance 4, seed 0): the PNGs hold
 * diffusers' images to within one 8-bit level; an existing output, a class id the model lacks and a folder without a
 * part are refused in one line.
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
        try (SafetensorsReader reader = SafetensorsReader.open(PIPELINE.resolve("io.safetensors"))) {
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
        byte[] first = Files.readAllBytes(out.resolve("0-0.png"));
        run(args(out, "0,3")).assertOneLineError("already exist", "0-0.png", "--overwrite");
        run(args(out, "0,3", "--overwrite")).assertOk();
        assertArrayEquals(first, Files.readAllBytes(out.resolve("0-0.png")));
    }

    @Test
    void countNamesOneFilePerImage(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        run(args(out, "5", "--count", "2")).assertOk();
        try (var files = Files.list(out)) {
            assertEquals(
                    java.util.List.of("5-0.png", "5-1.png"),
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
}
