package dev.vae4j.eval.fid;

import static org.bytedeco.pytorch.global.torch.avg_pool2d;
import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.max_pool2d;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/** Pooling and concatenation shared by the Inception blocks. */
final class InceptionBlocks {
    private InceptionBlocks() {}

    /** {@code F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)} (pytorch-fid's blocks). */
    static Tensor avgPool3(Tensor x) {
        return avg_pool2d(x, new long[] {3, 3}, new long[] {1, 1}, new long[] {1, 1}, false, false, new LongOptional());
    }

    /** {@code F.max_pool2d(x, 3, stride, padding)}. */
    static Tensor maxPool3(Tensor x, long stride, long padding) {
        return max_pool2d(
                x,
                new long[] {3, 3},
                new long[] {stride, stride},
                new long[] {padding, padding},
                new long[] {1, 1},
                false);
    }

    /** {@code torch.cat(parts, 1)}. */
    static Tensor concat(Tensor... parts) {
        TensorVector v = new TensorVector();
        for (Tensor p : parts) {
            v.push_back(p);
        }
        return cat(v, 1);
    }
}
