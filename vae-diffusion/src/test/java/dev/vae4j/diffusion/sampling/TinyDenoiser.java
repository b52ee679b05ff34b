package dev.vae4j.diffusion.sampling;

import static org.bytedeco.pytorch.global.torch.arange;
import static org.bytedeco.pytorch.global.torch.conv2d;
import static org.bytedeco.pytorch.global.torch.full;

import dev.vae4j.diffusion.Denoiser;
import org.bytedeco.pytorch.DimnameListOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The fixed-weight denoiser of {@code tools/reference/gen_diffusion_samplers.py}, op for op: {@code tanh(conv1x1(x) +
 * [0.5 sin(0.37 (label + 1) (c + 1))]) * (0.5 + t / 1000)}, the class term only for a class-conditional model, whose
 * null class is {@code numClasses}.
 */
class TinyDenoiser implements Denoiser {
    private final Tensor weight;
    private final Tensor bias;
    private final int latentChannels;
    private final int predictionChannels;
    private final int numClasses;

    TinyDenoiser(Tensor weight, Tensor bias, int latentChannels, int predictionChannels, int numClasses) {
        this.weight = weight.narrow(0, 0, predictionChannels);
        this.bias = bias.narrow(0, 0, predictionChannels);
        this.latentChannels = latentChannels;
        this.predictionChannels = predictionChannels;
        this.numClasses = numClasses;
    }

    @Override
    public Tensor predict(Tensor latents, Tensor timesteps, Tensor labels) {
        Tensor h = conv2d(
                latents, weight, new TensorOptional(bias), new long[] {1, 1}, new long[] {0, 0}, new long[] {1, 1}, 1);
        if (numClasses > 0) {
            Tensor classes = labels != null
                    ? labels
                    : full(
                            new long[] {latents.size(0)},
                            new Scalar((long) numClasses),
                            new DimnameListOptional(),
                            new TensorOptions(ScalarType.Long));
            Tensor channel = arange(
                    new Scalar(1L), new Scalar((long) predictionChannels + 1), new TensorOptions(ScalarType.Float));
            Tensor embedding = classes.to(ScalarType.Float)
                    .add(new Scalar(1L))
                    .unsqueeze(1)
                    .mul(channel.unsqueeze(0))
                    .mul(new Scalar(0.37))
                    .sin()
                    .mul(new Scalar(0.5));
            h = h.add(embedding.unsqueeze(2).unsqueeze(3));
        }
        Tensor mix = timesteps.to(ScalarType.Float).div(new Scalar(1000L)).view(-1, 1, 1, 1);
        Tensor skip = latents.repeat(1, predictionChannels / latentChannels, 1, 1);
        return h.tanh().mul(mix.neg().add(new Scalar(1L))).add(skip.mul(mix));
    }

    @Override
    public int latentChannels() {
        return latentChannels;
    }

    @Override
    public int predictionChannels() {
        return predictionChannels;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public boolean hasUnconditionalPrediction() {
        return true;
    }
}
