package dev.vae4j.eval.fid;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * pytorch-fid's {@code FIDInceptionA} (torchvision {@code InceptionA} whose pool branch averages with
 * {@code count_include_pad=False}): (N, in, H, W) -> (N, 224 + poolFeatures, H, W).
 */
final class FidInceptionA extends Module {
    private final BasicConv2d branch1x1;
    private final BasicConv2d branch5x5_1;
    private final BasicConv2d branch5x5_2;
    private final BasicConv2d branch3x3dbl_1;
    private final BasicConv2d branch3x3dbl_2;
    private final BasicConv2d branch3x3dbl_3;
    private final BasicConv2d branchPool;

    /** The block for {@code in} input channels. */
    public FidInceptionA(long in, long poolFeatures) {
        branch1x1 = register_module("branch1x1", new BasicConv2d(in, 64, 1, 1, 0));
        branch5x5_1 = register_module("branch5x5_1", new BasicConv2d(in, 48, 1, 1, 0));
        branch5x5_2 = register_module("branch5x5_2", new BasicConv2d(48, 64, 5, 1, 2));
        branch3x3dbl_1 = register_module("branch3x3dbl_1", new BasicConv2d(in, 64, 1, 1, 0));
        branch3x3dbl_2 = register_module("branch3x3dbl_2", new BasicConv2d(64, 96, 3, 1, 1));
        branch3x3dbl_3 = register_module("branch3x3dbl_3", new BasicConv2d(96, 96, 3, 1, 1));
        branchPool = register_module("branch_pool", new BasicConv2d(in, poolFeatures, 1, 1, 0));
    }

    /** The four branches concatenated along channels. */
    public Tensor forward(Tensor x) {
        Tensor b5 = branch5x5_2.forward(branch5x5_1.forward(x));
        Tensor b3 = branch3x3dbl_3.forward(branch3x3dbl_2.forward(branch3x3dbl_1.forward(x)));
        return InceptionBlocks.concat(branch1x1.forward(x), b5, b3, branchPool.forward(InceptionBlocks.avgPool3(x)));
    }
}
