package dev.vae4j.eval.fid;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/** torchvision {@code InceptionB} (grid reduction): (N, in, H, W) -> (N, 480 + in, (H-3)/2+1, (W-3)/2+1). */
final class InceptionB extends Module {
    private final BasicConv2d branch3x3;
    private final BasicConv2d branch3x3dbl_1;
    private final BasicConv2d branch3x3dbl_2;
    private final BasicConv2d branch3x3dbl_3;

    /** The block for {@code in} input channels. */
    public InceptionB(long in) {
        branch3x3 = register_module("branch3x3", new BasicConv2d(in, 384, 3, 2, 0));
        branch3x3dbl_1 = register_module("branch3x3dbl_1", new BasicConv2d(in, 64, 1, 1, 0));
        branch3x3dbl_2 = register_module("branch3x3dbl_2", new BasicConv2d(64, 96, 3, 1, 1));
        branch3x3dbl_3 = register_module("branch3x3dbl_3", new BasicConv2d(96, 96, 3, 2, 0));
    }

    /** The three branches concatenated along channels. */
    public Tensor forward(Tensor x) {
        Tensor b3 = branch3x3dbl_3.forward(branch3x3dbl_2.forward(branch3x3dbl_1.forward(x)));
        return InceptionBlocks.concat(branch3x3.forward(x), b3, InceptionBlocks.maxPool3(x, 2, 0));
    }
}
