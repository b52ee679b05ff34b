package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.TiledCodec;
import dev.vae4j.core.tensor.InferenceScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --tile} of encode/decode/reconstruct: the commands' latents are the library's tiled ones; bad tiles fail. */
class TileOptionTest {
    @Test
    void encodeWithTilesGivesTheTiledCodecsLatents(@TempDir Path tmp) {
        Path model = CliTestSupport.saveTestModel(tmp.resolve("model"));
        Path png = CliTestSupport.writeImage(tmp.resolve("a.png"), 48, 40, 3);
        Path out = tmp.resolve("latents.safetensors");
        CliTestSupport.run(
                        "encode",
                        "--model",
                        model.toString(),
                        "--input",
                        png.toString(),
                        "--output",
                        out.toString(),
                        "--tile",
                        "16,0.25")
                .assertOk();
        try (InferenceScope scope = new InferenceScope();
                SafetensorsReader reader = SafetensorsReader.open(out)) {
            AutoencoderKL kl = AutoencoderKL.fromPretrained(model);
            Tensor expected =
                    new TiledCodec(kl, 16, 0.25).encode(ImageTensors.read(png)).mean();
            Fixtures.assertClose("tiled encode via the CLI", expected, reader.load("mean"), 1e-5);
        }
        CliTestSupport.run(
                        "reconstruct",
                        "--model",
                        model.toString(),
                        "--input",
                        png.toString(),
                        "--output",
                        tmp.resolve("r.png").toString(),
                        "--tile",
                        "16")
                .assertOk();
        assertEquals(48, ImageTensors.size(tmp.resolve("r.png")).width());
    }

    @Test
    void tilesThatDoNotFitTheModelAreErrors(@TempDir Path tmp) {
        Path model = CliTestSupport.saveTestModel(tmp.resolve("model"));
        Path png = CliTestSupport.writeImage(tmp.resolve("a.png"), 16, 16, 1);
        CliTestSupport.run(
                        "reconstruct",
                        "--model",
                        model.toString(),
                        "--input",
                        png.toString(),
                        "--output",
                        tmp.resolve("r.png").toString(),
                        "--tile",
                        "15")
                .assertOneLineError("--tile 15", "downsampling factor 2");
        CliTestSupport.run("decode", "--tile", "16,1.5", "--help").assertUsageError("OVERLAP in [0, 1)");
        CliTestSupport.run("encode", "--tile", "big", "--help").assertUsageError("--tile must be PX or PX,OVERLAP");
    }
}
