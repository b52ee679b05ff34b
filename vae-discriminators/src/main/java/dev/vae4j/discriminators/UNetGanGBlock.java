package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.relu;
import static org.bytedeco.pytorch.global.torch.upsample_nearest2d;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * U-Net GAN's decoder block {@code GBlock2}: {@code h = conv2(relu(conv1(up(relu(x)))))} plus {@code conv_sc(up(x))}
 * (1x1), where {@code up} is nearest-neighbour upsampling to the size of the skip connection that follows (exactly 2x
 * when the input sides are multiples of 64, as in the reference). Keys {@code conv1}, {@code conv2}, {@code conv_sc}.
 * Input (N, in, h, w) -> (N, out, targetH, targetW).
 */
final class UNetGanGBlock extends Module {
    private final BigGanSNConv2d conv1;
    private final BigGanSNConv2d conv2;
    private final BigGanSNConv2d convSc;

    /** A block {@code in -> out} channels. */
    public UNetGanGBlock(long in, long out, double snEps, Generator generator) {
        this.conv1 = register_module("conv1", new BigGanSNConv2d(in, out, 3, 1, 1, true, snEps, generator));
        this.conv2 = register_module("conv2", new BigGanSNConv2d(out, out, 3, 1, 1, true, snEps, generator));
        this.convSc = register_module("conv_sc", new BigGanSNConv2d(in, out, 1, 1, 0, true, snEps, generator));
    }

    /** (N, in, h, w) -> (N, out, targetH, targetW). */
    public Tensor forward(Tensor x, long targetH, long targetW) {
        Tensor h = upsample_nearest2d(relu(x), targetH, targetW);
        Tensor up = upsample_nearest2d(x, targetH, targetW);
        h = conv2.forward(relu(conv1.forward(h)));
        return h.add(convSc.forward(up));
    }

    BigGanSNConv2d[] convs() {
        return new BigGanSNConv2d[] {conv1, conv2, convSc};
    }
}
