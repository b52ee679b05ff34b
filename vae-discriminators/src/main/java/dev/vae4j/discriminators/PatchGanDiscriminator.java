package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.leaky_relu;

import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.tensor.Shapes;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * taming's {@code NLayerDiscriminator} (the pix2pix PatchGAN used by LDM / SD VAEs), layer for layer: {@code Conv(k4 s2
 * p1) LReLU(0.2)}, then {@code nLayers - 1} x {@code Conv(k4 s2 p1) Norm LReLU}, then {@code Conv(k4 s1 p1) Norm LReLU}
 * and {@code Conv(k4 s1 p1) -> 1}, in one chain registered as {@code main}, so keys are {@code main.0.weight},
 * {@code main.3.running_mean}, ... like the reference (LeakyReLUs take indices but have no keys). Initialised with
 * taming's {@code weights_init}: conv weights N(0, 0.02), BatchNorm weight N(1, 0.02) and bias 0, conv biases PyTorch's
 * default uniform, ActNorm untouched (loc 0, scale 1 until its first training forward).
 *
 * <p>Input (N, C, H, W) in [-1, 1] -> logits (N, 1, h, w), with h = H/2^nLayers - 2 for sides divisible by 2^nLayers
 * (256x256 -> 30x30 for 3 layers). BatchNorm uses batch statistics in training mode and running ones in eval mode.
 */
public final class PatchGanDiscriminator extends Module implements Discriminator, MacCountable {
    private static final double INIT_STD = 0.02;
    private final PatchGanConfig config;
    private final LayerChain main;
    private final List<Conv2dImpl> convs = new ArrayList<>();
    private final List<Module> norms = new ArrayList<>();
    private final List<Long> strides = new ArrayList<>();

    /** A freshly initialised discriminator; {@code seed} drives every random draw of the init. */
    public PatchGanDiscriminator(PatchGanConfig config, long seed) {
        this.config = config;
        this.main = register_module("main", new LayerChain());
        boolean useBias = config.actNorm();
        long ndf = config.ndf();
        addConv(config.inChannels(), ndf, 2, true);
        main.addFunction(PatchGanDiscriminator::lrelu);
        long mult = 1;
        long prev;
        for (int n = 1; n < config.nLayers(); n++) {
            prev = mult;
            mult = Math.min(1L << n, 8);
            addConv(ndf * prev, ndf * mult, 2, useBias);
            addNorm(ndf * mult);
            main.addFunction(PatchGanDiscriminator::lrelu);
        }
        prev = mult;
        mult = Math.min(1L << Math.min(config.nLayers(), 30), 8);
        addConv(ndf * prev, ndf * mult, 1, useBias);
        addNorm(ndf * mult);
        main.addFunction(PatchGanDiscriminator::lrelu);
        addConv(ndf * mult, 1, 1, true);
        tamingInit(torch.createCPUGenerator(seed));
    }

    private void addConv(long in, long out, long stride, boolean bias) {
        Conv2dOptions options = new Conv2dOptions(in, out, new LongPointer(4, 4));
        options.stride().put(new LongPointer(stride, stride));
        options.padding().put(new LongPointer(1L, 1L));
        options.bias().put(bias);
        Conv2dImpl conv = new Conv2dImpl(options);
        convs.add(main.add(conv, conv::forward));
        strides.add(stride);
    }

    private void addNorm(long channels) {
        if (config.actNorm()) {
            ActNorm norm = new ActNorm(channels);
            norms.add(main.add(norm, norm::forward));
        } else {
            BatchNorm2dImpl norm = new BatchNorm2dImpl(new org.bytedeco.pytorch.BatchNormOptions(channels));
            norms.add(main.add(norm, norm::forward));
        }
    }

    private static Tensor lrelu(Tensor x) {
        return leaky_relu(x, new Scalar(0.2));
    }

    private void tamingInit(Generator generator) {
        for (Conv2dImpl conv : convs) {
            Tensor w = conv.weight();
            Init.normal(w, 0.0, INIT_STD, generator);
            if (conv.options().bias().get()) {
                Init.uniform(conv.bias(), 1.0 / Math.sqrt(Init.fanIn(w)), generator);
            }
        }
        for (Module norm : norms) {
            if (norm instanceof BatchNorm2dImpl bn) {
                Init.normal(bn.weight(), 1.0, INIT_STD, generator);
                Init.constant(bn.bias(), 0.0);
            }
        }
    }

    /** The configuration. */
    public PatchGanConfig config() {
        return config;
    }

    /** (N, C, H, W) -> (N, 1, h, w) patch logits. */
    public Tensor forward(Tensor images) {
        requireInput(images);
        return main.forward(images);
    }

    @Override
    public Tensor logits(Tensor images) {
        return forward(images);
    }

    @Override
    public Module module() {
        return this;
    }

    /** The logit map's (h, w) for an H x W input. */
    public long[] outputSize(long height, long width) {
        long h = height;
        long w = width;
        for (int i = 0; i < config.nLayers(); i++) {
            h = ConvMath.out(h, 4, 2, 1);
            w = ConvMath.out(w, 4, 2, 1);
        }
        h = ConvMath.out(ConvMath.out(h, 4, 1, 1), 4, 1, 1);
        w = ConvMath.out(ConvMath.out(w, 4, 1, 1), 4, 1, 1);
        return new long[] {h, w};
    }

    @Override
    public long macs(long height, long width) {
        requireSize(height, width);
        long total = 0;
        long h = height;
        long w = width;
        for (int i = 0; i < convs.size(); i++) {
            Conv2dImpl conv = convs.get(i);
            long stride = strides.get(i);
            h = ConvMath.out(h, 4, stride, 1);
            w = ConvMath.out(w, 4, stride, 1);
            total += ConvMath.macs(conv.weight().size(1), conv.weight().size(0), 4, h, w);
        }
        return total;
    }

    private void requireInput(Tensor images) {
        if (images == null
                || images.isNull()
                || !images.defined()
                || images.dim() != 4
                || images.size(1) != config.inChannels()) {
            throw new IllegalArgumentException("PatchGAN input must be (N, " + config.inChannels()
                    + ", H, W), got "
                    + (images == null || images.isNull() || !images.defined()
                            ? "undefined"
                            : "shape " + Shapes.describe(images)));
        }
        requireSize(images.size(2), images.size(3));
    }

    private void requireSize(long height, long width) {
        long[] out = outputSize(height, width);
        if (out[0] < 1 || out[1] < 1) {
            throw new IllegalArgumentException("PatchGAN with " + config.nLayers() + " layers needs a larger input"
                    + " than " + height + "x" + width + " (its logit map would be " + out[0] + "x" + out[1] + ")");
        }
    }
}
