package dev.vae4j.eval.fid;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * pytorch-fid's {@code FIDInceptionC} (torchvision {@code InceptionC}, factorised 7x7 convolutions, pool branch
 * averaging with {@code count_include_pad=False}): (N, in, H, W) -> (N, 768, H, W).
 */
final class FidInceptionC extends Module {
    private final BasicConv2d branch1x1;
    private final BasicConv2d[] branch7x7 = new BasicConv2d[3];
    private final BasicConv2d[] branch7x7dbl = new BasicConv2d[5];
    private final BasicConv2d branchPool;

    /** The block for {@code in} input channels and {@code c7} channels inside the 7x7 branches. */
    public FidInceptionC(long in, long c7) {
        branch1x1 = register_module("branch1x1", new BasicConv2d(in, 192, 1, 1, 0));
        branch7x7[0] = register_module("branch7x7_1", new BasicConv2d(in, c7, 1, 1, 0));
        branch7x7[1] = register_module("branch7x7_2", new BasicConv2d(c7, c7, 1, 7, 1, 0, 3));
        branch7x7[2] = register_module("branch7x7_3", new BasicConv2d(c7, 192, 7, 1, 1, 3, 0));
        branch7x7dbl[0] = register_module("branch7x7dbl_1", new BasicConv2d(in, c7, 1, 1, 0));
        branch7x7dbl[1] = register_module("branch7x7dbl_2", new BasicConv2d(c7, c7, 7, 1, 1, 3, 0));
        branch7x7dbl[2] = register_module("branch7x7dbl_3", new BasicConv2d(c7, c7, 1, 7, 1, 0, 3));
        branch7x7dbl[3] = register_module("branch7x7dbl_4", new BasicConv2d(c7, c7, 7, 1, 1, 3, 0));
        branch7x7dbl[4] = register_module("branch7x7dbl_5", new BasicConv2d(c7, 192, 1, 7, 1, 0, 3));
        branchPool = register_module("branch_pool", new BasicConv2d(in, 192, 1, 1, 0));
    }

    /** The four branches concatenated along channels. */
    public Tensor forward(Tensor x) {
        Tensor b7 = x;
        for (BasicConv2d c : branch7x7) {
            b7 = c.forward(b7);
        }
        Tensor b7dbl = x;
        for (BasicConv2d c : branch7x7dbl) {
            b7dbl = c.forward(b7dbl);
        }
        return InceptionBlocks.concat(branch1x1.forward(x), b7, b7dbl, branchPool.forward(InceptionBlocks.avgPool3(x)));
    }
}
