package dev.vae4j.eval.fid;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * pytorch-fid's {@code FIDInceptionE_1} (pool branch: average, {@code count_include_pad=False}) and
 * {@code FIDInceptionE_2} (pool branch: max-pool 3/1/1), both torchvision {@code InceptionE}: (N, in, H, W) -> (N,
 * 2048, H, W).
 */
final class FidInceptionE extends Module {
    private final boolean maxPoolBranch;
    private final BasicConv2d branch1x1;
    private final BasicConv2d branch3x3_1;
    private final BasicConv2d branch3x3_2a;
    private final BasicConv2d branch3x3_2b;
    private final BasicConv2d branch3x3dbl_1;
    private final BasicConv2d branch3x3dbl_2;
    private final BasicConv2d branch3x3dbl_3a;
    private final BasicConv2d branch3x3dbl_3b;
    private final BasicConv2d branchPool;

    /** {@code FIDInceptionE_2} when {@code maxPoolBranch}, else {@code FIDInceptionE_1}. */
    public FidInceptionE(long in, boolean maxPoolBranch) {
        this.maxPoolBranch = maxPoolBranch;
        branch1x1 = register_module("branch1x1", new BasicConv2d(in, 320, 1, 1, 0));
        branch3x3_1 = register_module("branch3x3_1", new BasicConv2d(in, 384, 1, 1, 0));
        branch3x3_2a = register_module("branch3x3_2a", new BasicConv2d(384, 384, 1, 3, 1, 0, 1));
        branch3x3_2b = register_module("branch3x3_2b", new BasicConv2d(384, 384, 3, 1, 1, 1, 0));
        branch3x3dbl_1 = register_module("branch3x3dbl_1", new BasicConv2d(in, 448, 1, 1, 0));
        branch3x3dbl_2 = register_module("branch3x3dbl_2", new BasicConv2d(448, 384, 3, 1, 1));
        branch3x3dbl_3a = register_module("branch3x3dbl_3a", new BasicConv2d(384, 384, 1, 3, 1, 0, 1));
        branch3x3dbl_3b = register_module("branch3x3dbl_3b", new BasicConv2d(384, 384, 3, 1, 1, 1, 0));
        branchPool = register_module("branch_pool", new BasicConv2d(in, 192, 1, 1, 0));
    }

    /** The four branches (the two 3x3 ones split in two) concatenated along channels. */
    public Tensor forward(Tensor x) {
        Tensor b3 = branch3x3_1.forward(x);
        Tensor b3cat = InceptionBlocks.concat(branch3x3_2a.forward(b3), branch3x3_2b.forward(b3));
        Tensor d = branch3x3dbl_2.forward(branch3x3dbl_1.forward(x));
        Tensor dcat = InceptionBlocks.concat(branch3x3dbl_3a.forward(d), branch3x3dbl_3b.forward(d));
        Tensor pooled = maxPoolBranch ? InceptionBlocks.maxPool3(x, 1, 1) : InceptionBlocks.avgPool3(x);
        return InceptionBlocks.concat(branch1x1.forward(x), b3cat, dcat, branchPool.forward(pooled));
    }
}
