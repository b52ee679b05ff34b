package dev.vae4j.core.model;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.bytedeco.pytorch.global.torch.arange;
import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Path;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link TiledCodec} against diffusers' {@code enable_tiling} path ({@code tools/reference/gen_tiling.py}: the
 * kl4_quant_attn model with 16-pixel tiles on a 40x56 image and a 20x28 latent), to max |diff| <= 1e-4.
 */
@Tag("parity")
class TiledCodecTest {
    private static final double TOLERANCE = 1e-4;
    private static final double SEAM_MAX_TOLERANCE = 1.0;
    private static final double SEAM_MEAN_TOLERANCE = 0.1;

    @Test
    void tiledEncodeAndDecodeMatchDiffusers() {
        Path dir = Fixtures.dir("autoencoder_kl");
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("tiling.safetensors"))) {
            AutoencoderKL model = AutoencoderKL.fromPretrained(dir.resolve("kl4_quant_attn"));
            TiledCodec tiled = new TiledCodec(model, 16, 0.25);
            LatentDistribution posterior = tiled.encode(io.load("images"));
            assertClose("tiled encode mean", io.load("tiled_mean"), posterior.mean(), TOLERANCE);
            assertClose("tiled encode logvar", io.load("tiled_logvar"), posterior.logvar(), TOLERANCE);
            assertClose("tiled decode", io.load("tiled_decoded"), tiled.decode(io.load("latents")), TOLERANCE);
        }
    }

    /**
     * Tiled against untiled decode of a smooth image (a product of low-frequency sines, 64x64 px) with the seeded tiny
     * model, 48-px tiles and 25% overlap (2x2 tiles): max |diff| <= {@value #SEAM_MAX_TOLERANCE} and mean |diff| <=
     * {@value #SEAM_MEAN_TOLERANCE} on outputs up to |x| = 2.5 (measured 0.78 and 0.072). Tiles see their own GroupNorm
     * statistics, attention context and zero padding, and random weights amplify those differences (16-px tiles give
     * max 2.2), so the bound is loose; that the blending equals diffusers' is checked to 1e-4 by
     * {@link #tiledEncodeAndDecodeMatchDiffusers()}.
     */
    @Test
    void tiledDecodeOfASmoothImageStaysCloseToUntiled() {
        try (TensorScope scope = new TensorScope();
                InferenceMode inference = new InferenceMode()) {
            manual_seed(3);
            AutoencoderKL model = new AutoencoderKL(AutoencoderKLTest.modelConfig());
            Tensor ramp = arange(new Scalar(64)).to(ScalarType.Float).mul(new Scalar(2 * Math.PI / 64));
            Tensor rows = ramp.sin().view(1, 1, 64, 1);
            Tensor cols = ramp.mul(new Scalar(0.5)).cos().view(1, 1, 1, 64);
            Tensor image =
                    rows.mul(cols).mul(new Scalar(0.8)).expand(1, 3, 64, 64).contiguous();
            Tensor latents = model.encode(image).mode();
            Tensor untiled = model.decode(latents);
            Tensor tiled = new TiledCodec(model, 48, 0.25).decode(latents);
            // not a float-parity figure: the difference is what tiling does (the same 0.778 under every BLAS kernel)
            double max = Fixtures.maxAbsDiff(untiled, tiled);
            double mean = untiled.sub(tiled).abs().mean().item_double();
            System.out.printf(
                    "tiled vs untiled decode (smooth image): max |diff| %.3e (tol %.0e), mean |diff| %.3e (tol %.0e)%n",
                    max, SEAM_MAX_TOLERANCE, mean, SEAM_MEAN_TOLERANCE);
            assertTrue(max > 0, "the decode was not tiled");
            assertTrue(max <= SEAM_MAX_TOLERANCE, "max |diff| " + max + " > " + SEAM_MAX_TOLERANCE);
            assertTrue(mean <= SEAM_MEAN_TOLERANCE, "mean |diff| " + mean + " > " + SEAM_MEAN_TOLERANCE);
        }
    }

    @Test
    void inputsWithinOneTileAreNotTiled() {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            AutoencoderKL model = new AutoencoderKL(AutoencoderKLTest.modelConfig());
            TiledCodec tiled = new TiledCodec(model, 16, 0.25);
            Tensor images = randn(1, 3, 16, 16);
            assertClose(
                    "untiled encode",
                    model.encode(images).mean(),
                    tiled.encode(images).mean(),
                    0.0);
            Tensor latents = randn(1, 4, 8, 8);
            assertClose("untiled decode", model.decode(latents), tiled.decode(latents), 0.0);
        }
    }

    @Test
    void anyAutoencoderTilesThroughItsPosteriorParameters() {
        Path dir = Fixtures.dir("autoencoder_kl");
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("tiling.safetensors"))) {
            AutoencoderKL model = AutoencoderKL.fromPretrained(dir.resolve("kl4_quant_attn"));
            TiledCodec tiled = new TiledCodec(new OnlyTheInterface(model), 16, 0.25);
            LatentDistribution posterior = tiled.encode(io.load("images"));
            assertClose("generic tiled encode mean", io.load("tiled_mean"), posterior.mean(), TOLERANCE);
            assertClose("generic tiled encode logvar", io.load("tiled_logvar"), posterior.logvar(), TOLERANCE);
            assertClose("generic tiled decode", io.load("tiled_decoded"), tiled.decode(io.load("latents")), TOLERANCE);
        }
    }

    /** An autoencoder seen only through the interface's methods, so tiling uses the default moments/posterior. */
    private record OnlyTheInterface(AutoencoderKL model) implements Autoencoder {
        @Override
        public LatentDistribution encode(Tensor images) {
            return model.posterior(model.moments(images));
        }

        @Override
        public Tensor decode(Tensor latents) {
            return model.decode(latents);
        }

        @Override
        public int imageChannels() {
            return model.imageChannels();
        }

        @Override
        public int latentChannels() {
            return model.latentChannels();
        }

        @Override
        public int downsamplingFactor() {
            return model.downsamplingFactor();
        }

        @Override
        public LatentNormalizer latentNormalizer() {
            return model.latentNormalizer();
        }
    }

    @Test
    void tileSizesMustFitTheModel() {
        try (TensorScope scope = new TensorScope()) {
            AutoencoderKL model = new AutoencoderKL(AutoencoderKLTest.modelConfig());
            assertThrows(IllegalArgumentException.class, () -> new TiledCodec(model, 15, 0.25));
            assertThrows(IllegalArgumentException.class, () -> new TiledCodec(model, 16, 1.0));
        }
    }
}
