package dev.vae4j.eval.fid;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/** torchvision {@code InceptionD} (grid reduction): (N, in, H, W) -> (N, 512 + in, (H-3)/2+1, (W-3)/2+1). */
final class InceptionD extends Module {
    private final BasicConv2d branch3x3_1;
    private final BasicConv2d branch3x3_2;
    private final BasicConv2d[] branch7x7x3 = new BasicConv2d[4];

    /** The block for {@code in} input channels. */
    public InceptionD(long in) {
        branch3x3_1 = register_module("branch3x3_1", new BasicConv2d(in, 192, 1, 1, 0));
        branch3x3_2 = register_module("branch3x3_2", new BasicConv2d(192, 320, 3, 2, 0));
        branch7x7x3[0] = register_module("branch7x7x3_1", new BasicConv2d(in, 192, 1, 1, 0));
        branch7x7x3[1] = register_module("branch7x7x3_2", new BasicConv2d(192, 192, 1, 7, 1, 0, 3));
        branch7x7x3[2] = register_module("branch7x7x3_3", new BasicConv2d(192, 192, 7, 1, 1, 3, 0));
        branch7x7x3[3] = register_module("branch7x7x3_4", new BasicConv2d(192, 192, 3, 2, 0));
    }

    /** The three branches concatenated along channels. */
    public Tensor forward(Tensor x) {
        Tensor b7 = x;
        for (BasicConv2d c : branch7x7x3) {
            b7 = c.forward(b7);
        }
        return InceptionBlocks.concat(
                branch3x3_2.forward(branch3x3_1.forward(x)), b7, InceptionBlocks.maxPool3(x, 2, 0));
    }
}
