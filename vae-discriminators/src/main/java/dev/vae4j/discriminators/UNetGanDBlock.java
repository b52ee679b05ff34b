package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.avg_pool2d;
import static org.bytedeco.pytorch.global.torch.relu;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * BigGAN's wide residual {@code DBlock} with 2x2 average-pool downsampling: {@code h = conv2(relu(conv1(a(x))))}
 * pooled, plus a learnable 1x1 shortcut (conv then pool when pre-activated, pool then conv for the first block);
 * {@code a} is ReLU when pre-activated, identity otherwise. Keys {@code conv1}, {@code conv2}, {@code conv_sc}
 * (spectral-normalised, BigGAN flavor). Input (N, in, H, W) -> (N, out, floor(H/2), floor(W/2)).
 */
final class UNetGanDBlock extends Module {
    private final BigGanSNConv2d conv1;
    private final BigGanSNConv2d conv2;
    private final BigGanSNConv2d convSc;
    private final boolean preactivation;

    /** A block {@code in -> out} channels; {@code preactivation} for every block but the first. */
    public UNetGanDBlock(long in, long out, boolean preactivation, double snEps, Generator generator) {
        this.conv1 = register_module("conv1", new BigGanSNConv2d(in, out, 3, 1, 1, true, snEps, generator));
        this.conv2 = register_module("conv2", new BigGanSNConv2d(out, out, 3, 1, 1, true, snEps, generator));
        this.convSc = register_module("conv_sc", new BigGanSNConv2d(in, out, 1, 1, 0, true, snEps, generator));
        this.preactivation = preactivation;
    }

    /** (N, in, H, W) -> (N, out, H/2, W/2). */
    public Tensor forward(Tensor x) {
        Tensor h = preactivation ? relu(x) : x;
        h = pool(conv2.forward(relu(conv1.forward(h))));
        Tensor shortcut = preactivation ? pool(convSc.forward(x)) : convSc.forward(pool(x));
        return h.add(shortcut);
    }

    static Tensor pool(Tensor x) {
        return avg_pool2d(x, 2, 2);
    }

    /** The three spectral-normalised convs (conv1, conv2, conv_sc), for initialisation and MAC counting. */
    BigGanSNConv2d[] convs() {
        return new BigGanSNConv2d[] {conv1, conv2, convSc};
    }

    boolean preactivation() {
        return preactivation;
    }
}
