package dev.vae4j.core.model.tiny;

import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link LatentPreview}: normalised latents in, the tiny decoder's clamped images out, on schedule. */
@Tag("parity")
class LatentPreviewTest {
    private static AutoencoderTinyConfig narrow(double scale, double shift) {
        return new AutoencoderTinyConfig(
                3,
                3,
                List.of(8, 8, 8, 8),
                List.of(8, 8, 8, 8),
                TinyActivation.RELU,
                dev.vae4j.core.nn.InterpolatingUpsample2D.Mode.NEAREST,
                4,
                2,
                List.of(1, 1, 1, 1),
                List.of(1, 1, 1, 1),
                3.0,
                0.5,
                false,
                scale,
                shift,
                false,
                EncoderStem.CONV);
    }

    @Test
    void decodesNormalisedLatentsThroughTheTinyModelsOwnScale() {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            manual_seed(5);
            AutoencoderTiny tiny = new AutoencoderTiny(narrow(2.0, 0.5), false, true, "test");
            LatentPreview preview = new LatentPreview(tiny, 1);
            Tensor latents = randn(2, 4, 3, 5).mul(new Scalar(3.0));
            Tensor images = preview.decode(latents);
            assertEquals(
                    List.of(2L, 3L, 24L, 40L), List.of(images.size(0), images.size(1), images.size(2), images.size(3)));
            Tensor expected = tiny.decode(latents.div(new Scalar(2.0)).add(new Scalar(0.5)))
                    .clamp(
                            new org.bytedeco.pytorch.ScalarOptional(new Scalar(-1.0)),
                            new org.bytedeco.pytorch.ScalarOptional(new Scalar(1.0)));
            assertTrue(Fixtures.maxAbsDiff(expected, images) < 1e-6);
            assertTrue(images.abs().max().item_double() <= 1.0);
        }
    }

    @Test
    void previewsEveryNthStepOnly() {
        try (TensorScope scope = new TensorScope()) {
            LatentPreview preview = new LatentPreview(new AutoencoderTiny(narrow(1.0, 0.0), false, true, "t"), 4);
            Tensor latents = randn(1, 4, 2, 2);
            assertFalse(preview.atStep(0, latents).isPresent());
            assertFalse(preview.isDue(2));
            assertTrue(preview.atStep(3, latents).isPresent());
            assertTrue(preview.isDue(7));
        }
    }

    @Test
    void refusesAModelOfAnotherLatentSpaceOrNoDecoder() {
        try (TensorScope scope = new TensorScope()) {
            // FLUX.1's latent geometry (16 channels, f8) at 8 channels wide, so the test stays fast.
            ModelConfig json = AutoencoderKLConfig.preset("flux")
                    .toConfig()
                    .with("block_out_channels", List.of(8, 8, 8, 8))
                    .with("norm_num_groups", 4);
            AutoencoderKL flux = new AutoencoderKL(AutoencoderKLConfig.fromConfig(json));
            AutoencoderTiny taesd = new AutoencoderTiny(narrow(1.0, 0.0), false, true, "taesd");
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> LatentPreview.forModel(taesd, flux, 5));
            assertTrue(
                    e.getMessage().contains("4-channel latents at f8 but the model makes 16-channel"), e.getMessage());
            AutoencoderTiny encoderOnly = new AutoencoderTiny(narrow(1.0, 0.0), true, false, "enc.pth");
            IllegalStateException missing =
                    assertThrows(IllegalStateException.class, () -> new LatentPreview(encoderOnly, 1));
            assertTrue(missing.getMessage().contains("holds only its encoder"), missing.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new LatentPreview(taesd, 1).decode(randn(1, 16, 2, 2)));
        }
    }
}
