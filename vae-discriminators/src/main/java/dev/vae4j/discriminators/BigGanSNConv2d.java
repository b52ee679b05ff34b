package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.conv2d;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * BigGAN's {@code SNConv2d}: a square-kernel conv whose weight is divided by its spectral norm (one power iteration per
 * training forward, {@link SpectralNorm#bigGan}). Keys: {@code weight} (out, in, k, k), {@code bias} (out), buffers
 * {@code u0} (1, out) and {@code sv0} (1). Input (N, in, H, W) -> (N, out, H', W').
 */
public final class BigGanSNConv2d extends Module {
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor u0;
    private final Tensor sv0;
    private final long stride;
    private final long padding;
    private final double eps;

    /**
     * @param eps the power iteration's normalisation epsilon (BigGAN default 1e-12)
     * @param generator draws the PyTorch-default init and the initial u ~ N(0, 1)
     */
    public BigGanSNConv2d(
            long in, long out, long kernel, long stride, long padding, boolean bias, double eps, Generator generator) {
        this.weight = Registered.parameter(this, "weight", torch.empty(out, in, kernel, kernel));
        this.bias = bias ? Registered.parameter(this, "bias", torch.empty(out)) : null;
        this.u0 =
                Registered.buffer(this, "u0", torch.empty(1, out).normal_(0.0, 1.0, new GeneratorOptional(generator)));
        this.sv0 = Registered.buffer(this, "sv0", torch.ones(1));
        this.stride = stride;
        this.padding = padding;
        this.eps = eps;
        Init.pytorchDefault(weight, this.bias, in * kernel * kernel, generator);
    }

    /** The raw (un-normalised) weight (out, in, k, k). */
    public Tensor weight() {
        return weight;
    }

    /** The normalised weight W / sigma (updates u0, sv0 in training mode). */
    public Tensor normalizedWeight() {
        return SpectralNorm.bigGan(weight, u0, sv0, is_training(), eps);
    }

    /** (N, in, H, W) -> (N, out, (H + 2p - k) / s + 1, ...). */
    public Tensor forward(Tensor x) {
        return conv2d(
                x,
                normalizedWeight(),
                bias == null ? new TensorOptional() : new TensorOptional(bias),
                new long[] {stride, stride},
                new long[] {padding, padding},
                new long[] {1, 1},
                1);
    }
}
