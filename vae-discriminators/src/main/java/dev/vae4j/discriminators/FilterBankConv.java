package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.conv2d;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * open-LiteVAE's {@code AdaptiveConv} with one filter bank and no modulation embedding (the unconditional case): a 1x1
 * conv whose weight (banks=1, out, in, 1, 1) is wrapped in {@code torch.nn.utils.spectral_norm}; with one bank the
 * weight matrix is 1 x (out*in), so sigma is its Frobenius norm. Keys {@code conv.weight_orig}, {@code conv.filterbias}
 * (1, out), buffers {@code conv.weight_u} (1) and {@code conv.weight_v} (out*in). Init as the reference: kaiming-normal
 * with torch's fan_in of a 5-D tensor (out * in), bias 0. Input (N, in, H, W) -> (N, out, H, W).
 */
final class FilterBankConv extends Module {
    private static final double EPS = 1e-12;
    private final Module conv;
    private final Tensor weightOrig;
    private final Tensor filterBias;
    private final Tensor weightU;
    private final Tensor weightV;
    private final long in;
    private final long out;

    /** A 1x1 filter-bank conv {@code in -> out}. */
    public FilterBankConv(long in, long out, boolean bias, Generator generator) {
        this.in = in;
        this.out = out;
        this.conv = register_module("conv", new Module());
        this.weightOrig = Registered.parameter(conv, "weight_orig", torch.empty(1, out, in, 1, 1));
        Init.kaimingNormalFanIn(weightOrig, out * in, generator);
        this.filterBias = bias ? Registered.parameter(conv, "filterbias", torch.zeros(1, out)) : null;
        this.weightU = Registered.buffer(conv, "weight_u", TorchSNConv2d.unitGaussian(1, generator));
        this.weightV = Registered.buffer(conv, "weight_v", TorchSNConv2d.unitGaussian(out * in, generator));
    }

    /** (N, in, H, W) -> (N, out, H, W). */
    public Tensor forward(Tensor x) {
        Tensor w = SpectralNorm.torchStyle(weightOrig, weightU, weightV, is_training(), EPS)
                .select(0, 0);
        return conv2d(
                x,
                w,
                filterBias == null ? new TensorOptional() : new TensorOptional(filterBias.select(0, 0)),
                new long[] {1, 1},
                new long[] {0, 0},
                new long[] {1, 1},
                1);
    }

    /** MACs per output pixel. */
    long macsPerPixel() {
        return in * out;
    }
}
