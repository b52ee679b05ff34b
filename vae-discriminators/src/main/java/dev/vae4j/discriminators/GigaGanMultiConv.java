package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.leaky_relu;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * open-LiteVAE's {@code MultiConv}, the entry of every GigaGAN level: an image input (its channel count equals the
 * image's) first goes through {@code img_conv} = SN Conv3x3(img -> in, bias) + LReLU(0.1), so any level can start from
 * pixels; then {@code chan_conv} = SN Conv(in -> out, k4 s2 p2, no bias). Keys {@code img_conv.0.weight_orig},
 * {@code chan_conv.weight_orig}, ... Input (N, img or in, H, W) -> (N, out, H/2 + 1, W/2 + 1) (floor).
 */
final class GigaGanMultiConv extends Module {
    private final LayerChain imgConv;
    private final TorchSNConv2d imgConvLayer;
    private final TorchSNConv2d chanConv;
    private final long imgChannels;
    private final long in;
    private final long out;

    /** Entry {@code img -> in -> out} channels. */
    public GigaGanMultiConv(long imgChannels, long in, long out, Generator generator) {
        this.imgChannels = imgChannels;
        this.in = in;
        this.out = out;
        this.imgConv = register_module("img_conv", new LayerChain());
        this.imgConvLayer = new TorchSNConv2d(imgChannels, in, 3, 1, 1, true, generator);
        imgConv.add(imgConvLayer, imgConvLayer::forward);
        imgConv.addFunction(x -> leaky_relu(x, new Scalar(0.1)));
        this.chanConv = register_module("chan_conv", new TorchSNConv2d(in, out, 4, 2, 2, false, generator));
    }

    /** Whether an input with {@code channels} channels is an image (and goes through {@code img_conv}). */
    boolean takesImage(long channels) {
        return channels == imgChannels;
    }

    /** (N, C, H, W) -> (N, out, H/2 + 1, W/2 + 1). */
    public Tensor forward(Tensor x) {
        Tensor h = x;
        if (takesImage(x.size(1))) {
            h = imgConv.forward(h);
        }
        return chanConv.forward(h);
    }

    /** MACs producing an outH x outW map (with the image conv at the input size when {@code fromImage}). */
    long macs(long inH, long inW, boolean fromImage) {
        long total = fromImage ? ConvMath.macs(imgChannels, in, 3, inH, inW) : 0;
        return total + ConvMath.macs(in, out, 4, ConvMath.out(inH, 4, 2, 2), ConvMath.out(inW, 4, 2, 2));
    }
}
