package dev.vae4j.discriminators;

import static dev.vae4j.core.testing.Fixtures.assertClose;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.core.testing.SplitMixUniform;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * {@link VggDiscriminator} against cloneofsimo/vqgan-training v0.2's own {@code utils.PatchDiscriminator}
 * ({@code tools/reference/gen_vqgan_training.py}): the full-width VGG16 trunk {@code features[:16]} with formula
 * weights recomputed here ({@link SplitMixUniform}; weights {@code (2u - 1) sqrt(6 / fan_in)}, biases
 * {@code 0.2 (2u - 1)}), the 1x1 head from the fixture, a (2, 3, 24, 20) input: logits and the input gradient of
 * {@code sum(logits^2)}. fp32 on the CPU, 1e-4 absolute.
 */
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

    @Test
    void logitsAndInputGradientMatchPatchDiscriminator() {
        try (TensorScope scope = new TensorScope();
                SafetensorsReader io = SafetensorsReader.open(Fixtures.dir("vqgan_training_discriminator")
                        .resolve("vgg_patch_discriminator.safetensors"))) {
            Map<String, Tensor> expected = io.loadAll();
            VggDiscriminator disc = VggDiscriminator.vgg16(true);
            try (NoGradGuard noGrad = new NoGradGuard()) {
                for (Map.Entry<String, Tensor> e : StateDict.of(disc).entrySet()) {
                    Tensor value = e.getKey().equals("head.weight") ? expected.get("head.weight")
                            : formula(e.getKey(), e.getValue().sizes().vec().get());
                    e.getValue().copy_(value);
                }
            }
            Tensor x = expected.get("input").clone().requires_grad_(true);
            Tensor logits = disc.logits(x);
            assertClose("PatchDiscriminator v0.2 logits", expected.get("logits"), logits, TOLERANCE);
            logits.pow(new Scalar(2)).sum().backward();
            assertClose("PatchDiscriminator v0.2 input gradient", expected.get("input_grad"), x.grad(), TOLERANCE);
        }
    }
}
