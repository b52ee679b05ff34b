package dev.vae4j.diffusion.objective;

import dev.vae4j.diffusion.Denoiser;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The fixture script's stand-in network: {@code conv2d(x, weight, bias) + (t / 1000) * time_weight +
 * class_embedding[label]} per channel, with parameters that require grad, so that gradients w.r.t. weights can be
 * compared.
 */
final class TinyDenoiser implements Denoiser {
    private static final String[] NAMES = {"weight", "bias", "time_weight", "class_embedding"};
    final Map<String, Tensor> parameters = new LinkedHashMap<>();

    TinyDenoiser(Map<String, Tensor> fixture) {
        for (String name : NAMES) {
            parameters.put(
                    name, fixture.get("denoiser." + name).detach().clone().requires_grad_(true));
        }
    }

    /**
     * Asserts each parameter's gradient against the fixture's {@code <prefix>.<name>}, to {@code tolerance} scaled as
     * {@link ObjectiveFixtures#assertCloseScaled} does.
     */
    void assertGradients(String label, Map<String, Tensor> fixture, String prefix, double tolerance) {
        for (String name : NAMES) {
            ObjectiveFixtures.assertCloseScaled(
                    label + " grad " + name,
                    fixture.get(prefix + "." + name),
                    parameters.get(name).grad(),
                    tolerance);
        }
    }

    @Override
    public Tensor predict(Tensor latents, Tensor timesteps, Tensor labels) {
        long n = latents.size(0);
        long c = latents.size(1);
        Tensor out = torch.conv2d(
                latents,
                parameters.get("weight"),
                new TensorOptional(parameters.get("bias")),
                new long[] {1},
                new long[] {0},
                new long[] {1},
                1);
        Tensor time = timesteps.div(new Scalar(1000.0)).view(n, 1, 1, 1);
        out = out.add(time.mul(parameters.get("time_weight").view(1, c, 1, 1)));
        return out.add(parameters.get("class_embedding").index_select(0, labels).view(n, c, 1, 1));
    }

    @Override
    public int latentChannels() {
        return (int) parameters.get("bias").size(0);
    }

    @Override
    public int predictionChannels() {
        return latentChannels();
    }

    @Override
    public int numClasses() {
        return (int) parameters.get("class_embedding").size(0);
    }

    @Override
    public boolean hasUnconditionalPrediction() {
        return false;
    }
}
