package dev.vae4j.cli;

import static dev.vae4j.cli.CliTestSupport.imageSize;
import static dev.vae4j.cli.CliTestSupport.run;
import static dev.vae4j.cli.CliTestSupport.writeImage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconstructCommandTest {
    @TempDir
    static Path shared;

    static Path model;

    @TempDir
    Path dir;

    @BeforeAll
    static void createModel() {
        model = CliTestSupport.saveTestModel(shared.resolve("model"));
    }

    @Test
    void singleImageToPngFileOfTheInputSize() {
        Path image = writeImage(dir.resolve("in.png"), 32, 24, 1);
        Path out = dir.resolve("sub").resolve("out.png");
        CliTestSupport.Result result = run(
                "reconstruct", "--model", model.toString(), "--input", image.toString(), "--output", out.toString());
        result.assertOk();
        assertArrayEquals(new int[] {32, 24}, imageSize(out));
        assertTrue(result.out().contains("reconstructed 1 image(s)"), result.out());
    }

    @Test
    void folderOfMixedSizesToFolderOfPngs() throws IOException {
        Path images = Files.createDirectory(dir.resolve("images"));
        writeImage(images.resolve("a.png"), 16, 16, 1);
        writeImage(images.resolve("b.jpg"), 32, 24, 2);
        writeImage(images.resolve("c.png"), 16, 16, 3);
        Path out = dir.resolve("out");
        run(
                        "reconstruct",
                        "--model",
                        model.toString(),
                        "--input",
                        images.toString(),
                        "--output",
                        out.toString(),
                        "--batch-size",
                        "2")
                .assertOk();
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(
                    List.of("a.png", "b.png", "c.png"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertArrayEquals(new int[] {16, 16}, imageSize(out.resolve("a.png")));
        assertArrayEquals(new int[] {32, 24}, imageSize(out.resolve("b.png")));
        assertArrayEquals(new int[] {16, 16}, imageSize(out.resolve("c.png")));
    }

    @Test
    void sampledReconstructionIsSeeded() throws IOException {
        Path image = writeImage(dir.resolve("in.png"), 16, 16, 4);
        Path a = dir.resolve("a.png");
        Path b = dir.resolve("b.png");
        Path mode = dir.resolve("mode.png");
        run(
                        "reconstruct",
                        "--model",
                        model.toString(),
                        "--input",
                        image.toString(),
                        "--output",
                        a.toString(),
                        "--sample",
                        "--seed",
                        "3")
                .assertOk();
        run(
                        "reconstruct",
                        "--model",
                        model.toString(),
                        "--input",
                        image.toString(),
                        "--output",
                        b.toString(),
                        "--sample",
                        "--seed",
                        "3")
                .assertOk();
        run("reconstruct", "--model", model.toString(), "--input", image.toString(), "--output", mode.toString())
                .assertOk();
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(mode)));
    }

    @Test
    void folderInputNeedsAFolderOutput() throws IOException {
        Path images = Files.createDirectory(dir.resolve("images"));
        writeImage(images.resolve("a.png"), 16, 16, 1);
        assertEquals(
                2,
                run(
                                "reconstruct",
                                "--model",
                                model.toString(),
                                "--input",
                                images.toString(),
                                "--output",
                                dir.resolve("x.png").toString())
                        .exitCode());
        Path empty = Files.createDirectory(dir.resolve("empty"));
        run(
                        "reconstruct",
                        "--model",
                        model.toString(),
                        "--input",
                        empty.toString(),
                        "--output",
                        dir.resolve("o").toString())
                .assertOneLineError(empty.toString(), "no image files");
    }
}
