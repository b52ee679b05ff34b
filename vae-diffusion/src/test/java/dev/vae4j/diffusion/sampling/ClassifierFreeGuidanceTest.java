package dev.vae4j.diffusion.sampling;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.bytedeco.pytorch.global.torch.full;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.DimnameListOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** Classifier-free guidance over a learned-variance denoiser: the formula, the dropped channels, g = 1, no labels. */
class ClassifierFreeGuidanceTest {

    @Test
    void guidesTheLatentChannelsAndDropsTheVariance() {
        try (TensorScope scope = new TensorScope()) {
            TinyDenoiser denoiser = new TinyDenoiser(randn(8, 4, 1, 1), randn(8), 4, 8, 10);
            Tensor x = randn(2, 4, 8, 8);
            Tensor t = full(
                    new long[] {2}, new Scalar(500.0), new DimnameListOptional(), new TensorOptions(ScalarType.Float));
            Tensor labels =
                    full(new long[] {2}, new Scalar(3L), new DimnameListOptional(), new TensorOptions(ScalarType.Long));
            Tensor cond = denoiser.predict(x, t, labels).narrow(1, 0, 4);
            Tensor uncond = denoiser.predict(x, t, null).narrow(1, 0, 4);

            ClassifierFreeGuidance guided = new ClassifierFreeGuidance(denoiser, 4.0);
            assertEquals(4, guided.predictionChannels());
            Tensor expected = uncond.add(cond.sub(uncond).mul(new Scalar(4.0)));
            assertClose("guided", expected, guided.predict(x, t, labels), 0.0);
            assertClose(
                    "g = 1 is the conditional prediction",
                    cond,
                    new ClassifierFreeGuidance(denoiser, 1.0).predict(x, t, labels),
                    0.0);
            assertClose("null labels give the unconditional prediction", uncond, guided.predict(x, t, null), 0.0);
        }
    }
}
