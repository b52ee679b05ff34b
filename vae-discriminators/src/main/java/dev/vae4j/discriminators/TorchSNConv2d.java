package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.conv2d;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * {@code torch.nn.utils.spectral_norm(nn.Conv2d(...))}: keys {@code weight_orig} (out, in, k, k), {@code bias} (out),
 * buffers {@code weight_u} (out) and {@code weight_v} (in*k*k), one power iteration per training forward
 * ({@link SpectralNorm#torchStyle}, eps 1e-12). Input (N, in, H, W) -> (N, out, (H + 2p - k) / s + 1, ...).
 */
final class TorchSNConv2d extends Module {
    private static final double EPS = 1e-12;
    private final Tensor weightOrig;
    private final Tensor bias;
    private final Tensor weightU;
    private final Tensor weightV;
    private final long stride;
    private final long padding;

    /** @param generator draws the PyTorch-default init and the initial u, v (normalised Gaussians) */
    public TorchSNConv2d(long in, long out, long kernel, long stride, long padding, boolean bias, Generator generator) {
        this.weightOrig = Registered.parameter(this, "weight_orig", torch.empty(out, in, kernel, kernel));
        this.bias = bias ? Registered.parameter(this, "bias", torch.empty(out)) : null;
        Init.pytorchDefault(weightOrig, this.bias, in * kernel * kernel, generator);
        this.weightU = Registered.buffer(this, "weight_u", unitGaussian(out, generator));
        this.weightV = Registered.buffer(this, "weight_v", unitGaussian(in * kernel * kernel, generator));
        this.stride = stride;
        this.padding = padding;
    }

    static Tensor unitGaussian(long n, Generator generator) {
        Tensor t = torch.empty(n).normal_(0.0, 1.0, new GeneratorOptional(generator));
        return t.div(t.norm().clamp_min(new Scalar(EPS)));
    }

    /** (N, in, H, W) -> (N, out, H', W'). */
    public Tensor forward(Tensor x) {
        Tensor w = SpectralNorm.torchStyle(weightOrig, weightU, weightV, is_training(), EPS);
        return conv2d(
                x,
                w,
                bias == null ? new TensorOptional() : new TensorOptional(bias),
                new long[] {stride, stride},
                new long[] {padding, padding},
                new long[] {1, 1},
                1);
    }
}
