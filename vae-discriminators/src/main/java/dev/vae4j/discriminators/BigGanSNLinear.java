package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.linear;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * BigGAN's {@code SNLinear}: keys {@code weight} (out, in), {@code bias} (out), buffers {@code u0} (1, out),
 * {@code sv0} (1). Input (N, in) -> (N, out).
 */
public final class BigGanSNLinear extends Module {
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor u0;
    private final Tensor sv0;
    private final double eps;

    /** @param generator draws the PyTorch-default init and u ~ N(0, 1) */
    public BigGanSNLinear(long in, long out, double eps, Generator generator) {
        this.weight = Registered.parameter(this, "weight", torch.empty(out, in));
        this.bias = Registered.parameter(this, "bias", torch.empty(out));
        this.u0 =
                Registered.buffer(this, "u0", torch.empty(1, out).normal_(0.0, 1.0, new GeneratorOptional(generator)));
        this.sv0 = Registered.buffer(this, "sv0", torch.ones(1));
        this.eps = eps;
        Init.pytorchDefault(weight, bias, in, generator);
    }

    /** The raw weight (out, in). */
    public Tensor weight() {
        return weight;
    }

    /** (N, in) -> (N, out). */
    public Tensor forward(Tensor x) {
        return linear(x, SpectralNorm.bigGan(weight, u0, sv0, is_training(), eps), new TensorOptional(bias));
    }
}
