package dev.vae4j.core.model;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.core.tensor.TensorScope;
import java.nio.file.Path;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link TiledCodec} against diffusers' {@code enable_tiling} path ({@code tools/reference/gen_tiling.py}: the
 * kl4_quant_attn model with 16-pixel tiles on a 40x56 image and a 20x28 latent), to max |diff| <= 1e-4.
 */
class TiledCodecTest {
    private static final double TOLERANCE = 1e-4;

    @Test
    void tiledEncodeAndDecodeMatchDiffusers() {
        Path dir = Fixtures.dir("autoencoder_kl");
        try (TensorScope scope = new TensorScope(); NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("tiling.safetensors"))) {
            AutoencoderKL model = AutoencoderKL.fromPretrained(dir.resolve("kl4_quant_attn"));
            TiledCodec tiled = new TiledCodec(model, 16, 0.25);
            DiagonalGaussian posterior = tiled.encode(io.load("images"));
            assertClose("tiled encode mean", io.load("tiled_mean"), posterior.mean(), TOLERANCE);
            assertClose("tiled encode logvar", io.load("tiled_logvar"), posterior.logvar(), TOLERANCE);
            assertClose("tiled decode", io.load("tiled_decoded"), tiled.decode(io.load("latents")), TOLERANCE);
        }
    }

    @Test
    void inputsWithinOneTileAreNotTiled() {
        try (TensorScope scope = new TensorScope(); NoGradGuard noGrad = new NoGradGuard()) {
            AutoencoderKL model = new AutoencoderKL(AutoencoderKLTest.tiny());
            TiledCodec tiled = new TiledCodec(model, 16, 0.25);
            Tensor images = randn(1, 3, 16, 16);
            assertClose("untiled encode", model.encode(images).mean(), tiled.encode(images).mean(), 0.0);
            Tensor latents = randn(1, 4, 8, 8);
            assertClose("untiled decode", model.decode(latents), tiled.decode(latents), 0.0);
        }
    }

    @Test
    void tileSizesMustFitTheModel() {
        try (TensorScope scope = new TensorScope()) {
            AutoencoderKL model = new AutoencoderKL(AutoencoderKLTest.tiny());
            assertThrows(IllegalArgumentException.class, () -> new TiledCodec(model, 15, 0.25));
            assertThrows(IllegalArgumentException.class, () -> new TiledCodec(model, 16, 1.0));
        }
    }
}
