package dev.vae4j.discriminators;

import static dev.vae4j.core.testing.Fixtures.assertClose;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.core.testing.SplitMixUniform;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * vae4j's VGG discriminators against cloneofsimo/vqgan-training's own {@code utils.PatchDiscriminator}
 * ({@code tools/reference/gen_vqgan_training.py}), full-width VGG16 trunks with formula weights recomputed here
 * ({@link SplitMixUniform}; weights {@code (2u - 1) sqrt(6 / fan_in)}, biases {@code 0.2 (2u - 1)}):
 * {@link VggDiscriminator} against v0.2's ({@code features[:16]}, its 1x1 head from the fixture, a (2, 3, 24, 20)
 * input) and {@link VggPyramidDiscriminator} against HEAD's (five heads, formula weights everywhere, a (2, 3, 32, 48)
 * input): logits and the input gradient of {@code sum(logits^2)}. fp32 on the CPU, 1e-4 absolute.
 */
@Tag("parity")
class VggDiscriminatorParityTest {
    private static final double TOLERANCE = 1e-4;

    private static Tensor formula(String name, long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] u = SplitMixUniform.of(name, n);
        float[] values = new float[u.length];
        double scale = Math.sqrt(6.0 / (n / shape[0]));
        for (int i = 0; i < u.length; i++) {
            values[i] = (float) (name.endsWith("weight") ? (2 * u[i] - 1) * scale : 0.2 * (2 * u[i] - 1));
        }
        return torch.tensor(values).view(shape);
    }

    /** Sets every parameter of {@code module} to its formula value, except those {@code given} holds. */
    private static void fill(org.bytedeco.pytorch.Module module, Map<String, Tensor> given) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : StateDict.of(module).entrySet()) {
                Tensor value = given.containsKey(e.getKey())
                        ? given.get(e.getKey())
                        : formula(e.getKey(), e.getValue().sizes().vec().get());
                e.getValue().copy_(value);
            }
        }
    }

    private static Map<String, Tensor> fixture(String file) {
        try (SafetensorsReader io = SafetensorsReader.open(
                Fixtures.dir("vqgan_training_discriminator").resolve(file))) {
            return io.loadAll();
        }
    }

    private static void assertLogitsAndGradient(String label, Discriminator disc, Map<String, Tensor> expected) {
        Tensor x = expected.get("input").clone().requires_grad_(true);
        Tensor logits = disc.logits(x);
        assertClose(
                label + " logits",
                expected.get("logits"),
                logits.reshape(logits.size(0), -1)
                        .reshape(expected.get("logits").sizes()),
                TOLERANCE);
        logits.pow(new Scalar(2)).sum().backward();
        assertClose(label + " input gradient", expected.get("input_grad"), x.grad(), TOLERANCE);
    }

    @Test
    void vggDiscriminatorMatchesV02PatchDiscriminator() {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> expected = fixture("vgg_patch_discriminator.safetensors");
            VggDiscriminator disc = VggDiscriminator.vgg16(true);
            fill(disc, Map.of("head.weight", expected.get("head.weight")));
            assertLogitsAndGradient("PatchDiscriminator v0.2", disc, expected);
        }
    }

    @Test
    void vggPyramidDiscriminatorMatchesHeadPatchDiscriminator() {
        try (TensorScope scope = new TensorScope()) {
            VggPyramidDiscriminator disc = VggPyramidDiscriminator.vgg16();
            fill(disc, Map.of());
            assertLogitsAndGradient("PatchDiscriminator HEAD", disc, fixture("vgg_pyramid_discriminator.safetensors"));
        }
    }
}
