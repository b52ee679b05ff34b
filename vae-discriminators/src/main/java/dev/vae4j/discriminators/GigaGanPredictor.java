package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.leaky_relu;

import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * open-LiteVAE's {@code SimplePredictor} (unconditional): {@code main} = FilterBankConv(ch, bias) LReLU(0.2), then
 * {@code layers - 1} x [FilterBankConv(no bias) BatchNorm LReLU(0.2)], then a spectral-normalised 1x1 conv to one
 * channel. Keys {@code main.0.conv.weight_orig}, {@code main.3.running_mean}, ... Input (N, ch, H, W) -> logits (N, 1,
 * H, W).
 */
final class GigaGanPredictor extends Module {
    private final LayerChain main;
    private final long channels;
    private final int layers;

    /** A predictor over {@code channels} channels with {@code layers} filter-bank layers. */
    public GigaGanPredictor(long channels, int layers, Generator generator) {
        this.channels = channels;
        this.layers = layers;
        this.main = register_module("main", new LayerChain());
        FilterBankConv first = new FilterBankConv(channels, channels, true, generator);
        main.add(first, first::forward);
        main.addFunction(GigaGanPredictor::lrelu);
        for (int n = 1; n < layers; n++) {
            FilterBankConv conv = new FilterBankConv(channels, channels, false, generator);
            main.add(conv, conv::forward);
            BatchNorm2dImpl bn = new BatchNorm2dImpl(new BatchNormOptions(channels));
            main.add(bn, bn::forward);
            main.addFunction(GigaGanPredictor::lrelu);
        }
        TorchSNConv2d out = new TorchSNConv2d(channels, 1, 1, 1, 0, true, generator);
        main.add(out, out::forward);
    }

    private static Tensor lrelu(Tensor x) {
        return leaky_relu(x, new Scalar(0.2));
    }

    /** (N, ch, H, W) -> (N, 1, H, W). */
    public Tensor forward(Tensor x) {
        return main.forward(x);
    }

    /** MACs per pixel. */
    long macsPerPixel() {
        return layers * channels * channels + channels;
    }
}
