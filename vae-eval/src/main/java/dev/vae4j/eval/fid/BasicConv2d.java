package dev.vae4j.eval.fid;

import static org.bytedeco.pytorch.global.torch.relu;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * torchvision Inception's {@code BasicConv2d}: {@code conv} (no bias) -> {@code bn} (eps 0.001) -> ReLU, with kernel
 * (kh, kw), stride and padding (ph, pw); (N, in, H, W) -> (N, out, H', W').
 */
final class BasicConv2d extends Module {
    private final Conv2dImpl conv;
    private final BatchNorm2dImpl bn;

    /** A square-kernel block. */
    public BasicConv2d(long in, long out, long kernel, long stride, long padding) {
        this(in, out, kernel, kernel, stride, padding, padding);
    }

    /** A block with a (kh, kw) kernel and (ph, pw) padding. */
    public BasicConv2d(long in, long out, long kh, long kw, long stride, long ph, long pw) {
        Conv2dOptions options = new Conv2dOptions(in, out, new LongPointer(kh, kw));
        options.stride().put(new LongPointer(stride, stride));
        options.padding().put(new LongPointer(ph, pw));
        options.bias().put(false);
        conv = register_module("conv", new Conv2dImpl(options));
        BatchNormOptions bnOptions = new BatchNormOptions(out);
        bnOptions.eps().put(0.001);
        bn = register_module("bn", new BatchNorm2dImpl(bnOptions));
    }

    /** conv -> bn -> relu. */
    public Tensor forward(Tensor x) {
        return relu(bn.forward(conv.forward(x)));
    }
}
