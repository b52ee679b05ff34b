package dev.vae4j.cli;

import static dev.vae4j.cli.CliTestSupport.SCALE;
import static dev.vae4j.cli.CliTestSupport.SHIFT;
import static dev.vae4j.cli.CliTestSupport.imageSize;
import static dev.vae4j.cli.CliTestSupport.run;
import static dev.vae4j.cli.CliTestSupport.values;
import static dev.vae4j.cli.CliTestSupport.writeImage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncodeDecodeCommandTest {
    @TempDir
    static Path shared;

    static Path model;
    static Path images;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws IOException {
        model = CliTestSupport.saveTestModel(shared.resolve("model"));
        images = Files.createDirectory(shared.resolve("images"));
        writeImage(images.resolve("b.png"), 32, 24, 2);
        writeImage(images.resolve("a.png"), 32, 24, 1);
        writeImage(images.resolve("c.JPG"), 32, 24, 3);
        Files.writeString(images.resolve("notes.txt"), "ignored");
    }

    private Path encode(String name, String... extra) {
        Path out = dir.resolve(name);
        String[] base = {"encode", "--model", model.toString(), "--input", images.toString(), "--output", out.toString()
        };
        CliTestSupport.Result result =
                run(Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
        result.assertOk();
        assertTrue(result.out().contains("encoded 3 image(s)"), result.out());
        return out;
    }

    private static float[] tensor(Path file, String name) {
        try (TensorScope scope = new TensorScope();
                SafetensorsReader reader = SafetensorsReader.open(file)) {
            return values(reader.load(name));
        }
    }

    private static long[] tensorShape(Path file, String name) {
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            return reader.entry(name).shape();
        }
    }

    private static void assertClose(float[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, "element " + i);
        }
    }

    @Test
    void encodeDecodeRoundTripKeepsShapesAndNames() {
        Path latents = encode("latents.safetensors", "--batch-size", "2");
        long[] latentShape = {3, 4, 12, 16};
        assertArrayEquals(latentShape, tensorShape(latents, "latents"));
        assertArrayEquals(latentShape, tensorShape(latents, "mean"));
        assertArrayEquals(latentShape, tensorShape(latents, "logvar"));
        try (SafetensorsReader reader = SafetensorsReader.open(latents)) {
            assertEquals("[\"a.png\",\"b.png\",\"c.JPG\"]", reader.metadata().get("files"));
            assertEquals("normalized", reader.metadata().get("latents"));
            assertEquals("F32", reader.entry("latents").dtype().toString());
        }

        Path pngs = dir.resolve("decoded");
        CliTestSupport.Result decoded = run(
                "decode",
                "--model",
                model.toString(),
                "--input",
                latents.toString(),
                "--output",
                pngs.toString(),
                "--batch-size",
                "2");
        decoded.assertOk();
        for (String name : List.of("a.png", "b.png", "c.png")) {
            assertArrayEquals(new int[] {32, 24}, imageSize(pngs.resolve(name)), name);
        }

        Path tensorOut = dir.resolve("images.safetensors");
        // Same batch size as the PNG decode: kernels may round differently for other batch shapes.
        run(
                        "decode",
                        "--model",
                        model.toString(),
                        "--input",
                        latents.toString(),
                        "--output",
                        tensorOut.toString(),
                        "--batch-size",
                        "2")
                .assertOk();
        assertArrayEquals(new long[] {3, 3, 24, 32}, tensorShape(tensorOut, "images"));
        // the PNGs are the quantised decoded tensors
        float[] decodedImages = tensor(tensorOut, "images");
        try (TensorScope scope = new TensorScope()) {
            float[] png = values(ImageTensors.read(pngs.resolve("b.png")));
            int offset = 3 * 24 * 32;
            for (int i = 0; i < png.length; i++) {
                int expected = ImageTensors.toUint8(decodedImages[offset + i]);
                assertEquals(ImageTensors.toUnit(expected), png[i], "pixel " + i);
            }
        }
    }

    @Test
    void batchSizeDoesNotChangeTheResult() {
        float[] one = tensor(encode("one.safetensors"), "mean");
        float[] three = tensor(encode("three.safetensors", "--batch-size", "3", "--threads", "1"), "mean");
        assertClose(one, three, 1e-5);
    }

    /** The fast paths reach the model: channels-last within 1e-5, bf16 autocast within 0.1 of float32. */
    @Test
    void channelsLastAndBf16StayCloseToTheDefault() {
        float[] plain = tensor(encode("plain.safetensors"), "mean");
        assertClose(plain, tensor(encode("cl.safetensors", "--channels-last"), "mean"), 1e-5);
        float[] bf16 = tensor(encode("bf16.safetensors", "--precision", "bf16"), "mean");
        assertClose(plain, bf16, 0.1);
        assertFalse(Arrays.equals(plain, bf16), "--precision bf16 changed nothing");
    }

    @Test
    void scaledLatentsAreTheShiftedScaledMean() {
        Path scaled = encode("scaled.safetensors");
        Path raw = encode("raw.safetensors", "--raw");
        float[] mean = tensor(scaled, "mean");
        float[] latents = tensor(scaled, "latents");
        float[] rawLatents = tensor(raw, "latents");
        assertArrayEquals(mean, tensor(raw, "mean"));
        assertArrayEquals(mean, rawLatents);
        for (int i = 0; i < mean.length; i++) {
            assertEquals((mean[i] - SHIFT) * SCALE, latents[i], 1e-6, "element " + i);
        }
        // decoding scaled latents equals decoding raw latents with --raw
        Path fromScaled = dir.resolve("from-scaled.safetensors");
        Path fromRaw = dir.resolve("from-raw.safetensors");
        run("decode", "--model", model.toString(), "--input", scaled.toString(), "--output", fromScaled.toString())
                .assertOk();
        run("decode", "--model", model.toString(), "--input", raw.toString(), "--output", fromRaw.toString(), "--raw")
                .assertOk();
        assertClose(tensor(fromRaw, "images"), tensor(fromScaled, "images"), 1e-4);
    }

    @Test
    void samplingIsSeeded() {
        float[] a = tensor(encode("s1.safetensors", "--sample", "--seed", "7"), "latents");
        float[] b = tensor(encode("s2.safetensors", "--sample", "--seed", "7"), "latents");
        float[] c = tensor(encode("s3.safetensors", "--sample", "--seed", "8"), "latents");
        float[] mode = tensor(encode("m.safetensors", "--mean"), "latents");
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, c));
        assertFalse(java.util.Arrays.equals(a, mode));
        try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve("s1.safetensors"))) {
            assertEquals("sample", reader.metadata().get("posterior"));
            assertEquals("7", reader.metadata().get("seed"));
        }
    }

    @Test
    void encodesATensorFileLikeTheImages() {
        Path fromImages = encode("from-images.safetensors");
        Path input = dir.resolve("input.safetensors");
        try (TensorScope scope = new TensorScope()) {
            Tensor batch = ImageTensors.readBatch(ImageTensors.listImages(images), 3);
            SafetensorsWriter.write(input, Map.of("images", batch), Map.of());
        }
        Path fromTensor = dir.resolve("from-tensor.safetensors");
        CliTestSupport.Result result = run(
                "encode",
                "--model",
                model.toString(),
                "--input",
                input.toString(),
                "--output",
                fromTensor.toString(),
                "--batch-size",
                "2");
        result.assertOk();
        assertClose(tensor(fromImages, "latents"), tensor(fromTensor, "latents"), 1e-5);
        try (SafetensorsReader reader = SafetensorsReader.open(fromTensor)) {
            assertFalse(reader.metadata().containsKey("files"));
        }
    }

    @Test
    void decodeNumbersTheOutputsWithoutFileNames() throws IOException {
        Path latents = dir.resolve("plain.safetensors");
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(3);
            SafetensorsWriter.write(latents, Map.of("latents", torch.randn(2, 4, 5, 6)), Map.of());
        }
        Path out = dir.resolve("out");
        run("decode", "--model", model.toString(), "--input", latents.toString(), "--output", out.toString())
                .assertOk();
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(
                    List.of("000000.png", "000001.png"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertArrayEquals(new int[] {12, 10}, imageSize(out.resolve("000001.png")));
    }

    @Test
    void wrongLatentChannelsAreOneLineError() {
        Path latents = dir.resolve("wrong.safetensors");
        try (TensorScope scope = new TensorScope()) {
            SafetensorsWriter.write(latents, Map.of("latents", torch.zeros(1, 3, 4, 4)), Map.of());
        }
        run(
                        "decode",
                        "--model",
                        model.toString(),
                        "--input",
                        latents.toString(),
                        "--output",
                        dir.resolve("o").toString())
                .assertOneLineError(latents.toString(), "[1, 3, 4, 4]");
        assertFalse(Files.exists(dir.resolve("o")), "a failed decode leaves no empty output folder");
    }

    /**
     * The PNGs are named after the sources, so decoding into the folder that holds them would replace them: refused
     * before anything is written, unless {@code --overwrite}; an existing {@code .safetensors} output likewise.
     */
    @Test
    void decodeNeverWritesOverExistingFilesUnlessAsked() throws IOException {
        Path latents = encode("latents.safetensors");
        Path sources = Files.createDirectory(dir.resolve("sources"));
        writeImage(sources.resolve("a.png"), 32, 24, 1);
        byte[] before = Files.readAllBytes(sources.resolve("a.png"));
        run("decode", "--model", model.toString(), "--input", latents.toString(), "--output", sources.toString())
                .assertOneLineError("1 of the 3 files to write already exist", "a.png", "--overwrite");
        assertArrayEquals(before, Files.readAllBytes(sources.resolve("a.png")));
        assertFalse(Files.exists(sources.resolve("b.png")), "nothing was written");
        run(
                        "decode",
                        "--model",
                        model.toString(),
                        "--input",
                        latents.toString(),
                        "--output",
                        sources.toString(),
                        "--overwrite")
                .assertOk();
        assertTrue(Files.exists(sources.resolve("b.png")));
        Path tensors = Files.writeString(dir.resolve("images.safetensors"), "keep");
        run("decode", "--model", model.toString(), "--input", latents.toString(), "--output", tensors.toString())
                .assertOneLineError(tensors.toString(), "exists", "--overwrite");
        assertEquals("keep", Files.readString(tensors));
    }
}
