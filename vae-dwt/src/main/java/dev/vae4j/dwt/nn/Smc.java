package dev.vae4j.dwt.nn;

import static org.bytedeco.pytorch.global.torch.conv2d;
import static org.bytedeco.pytorch.global.torch.ones;

import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.tensor.Shapes;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;

/**
 * Self-modulated convolution (LiteVAE Eq. 3), exactly StyleGAN3's {@code modulated_conv2d} with a learned
 * per-input-channel style {@code scales} (I) and a scalar {@code gain}, as open-LiteVAE's {@code SMC}:
 *
 * <ol>
 *   <li>W &larr; W / sqrt(mean over (I, k, k) of W^2), per output filter;
 *   <li>s &larr; s / sqrt(mean(s^2));
 *   <li>W &larr; W * s (per input channel);
 *   <li>W &larr; W / sqrt(sum over (I, k, k) of W^2 + 1e-8), per output filter (demodulation);
 *   <li>W &larr; W * gain;
 *   <li>y = conv2d(x, W, stride 1, padding k/2) + bias.
 * </ol>
 *
 * (N, I, H, W) -> (N, O, H, W). Parameters: {@code conv.weight} (O, I, k, k), {@code conv.bias} (O), {@code gain} (1,
 * init 1), {@code scales} (I, init 1); the convolution has PyTorch's default initialisation.
 */
public final class Smc extends Module {
    /** Demodulation epsilon. */
    public static final double EPS = 1e-8;

    private static final long[] OIKK = {1, 2, 3};

    private final Conv2dImpl conv;
    private final Tensor gain;
    private final Tensor scales;
    private final long in;
    private final long padding;

    /**
     * @param in input channels I
     * @param out output channels O
     * @param kernel odd kernel side k
     */
    public Smc(long in, long out, long kernel) {
        if (kernel % 2 == 0) {
            throw new IllegalArgumentException("SMC needs an odd kernel size, got " + kernel);
        }
        this.in = in;
        this.padding = kernel / 2;
        conv = register_module("conv", Layers.conv2d(in, out, kernel, 1, padding));
        gain = parameter("gain", ones(1));
        scales = parameter("scales", ones(in));
    }

    /**
     * Registers {@code value} and returns our own handle to the registered tensor (same TensorImpl). libtorch's
     * {@code register_parameter} moves its argument and returns a reference into the module's parameter table, which
     * dangles once a later registration grows the table; so the reference is copied at once, and the copy is detached
     * from any open PointerScope so that it lives as long as this module.
     */
    private Tensor parameter(String name, Tensor value) {
        Tensor handle = new Tensor(register_parameter(name, value));
        PointerScope scope = PointerScope.getInnerScope();
        if (scope != null) {
            handle.retainReference(); // detach releases the scope's reference
            scope.detach(handle);
        }
        return handle;
    }

    /** The effective unit-norm-times-gain weight (O, I, k, k) of steps 1-5. */
    public Tensor modulatedWeight() {
        Tensor w = conv.weight();
        w = w.mul(
                w.pow(new Scalar(2)).mean(OIKK, true, new ScalarTypeOptional()).rsqrt());
        Tensor s = scales.mul(scales.pow(new Scalar(2)).mean().rsqrt());
        w = w.mul(s.view(1, -1, 1, 1));
        Tensor demod = w.pow(new Scalar(2))
                .sum(OIKK, true, new ScalarTypeOptional())
                .add(new Scalar(EPS))
                .rsqrt();
        return w.mul(demod).mul(gain.view(1, 1, 1, 1));
    }

    /** (N, I, H, W) -> (N, O, H, W). */
    public Tensor forward(Tensor x) {
        if (x.dim() != 4 || x.size(1) != in) {
            throw new IllegalArgumentException("SMC expects (N, " + in + ", H, W), got " + Shapes.describe(x));
        }
        Tensor y = conv2d(
                x,
                modulatedWeight(),
                new TensorOptional(),
                new long[] {1, 1},
                new long[] {padding, padding},
                new long[] {1, 1},
                1);
        return y.add(conv.bias().view(1, -1, 1, 1));
    }

    /** The inner convolution (holds {@code weight} and {@code bias}). */
    public Conv2dImpl conv() {
        return conv;
    }

    /** The per-input-channel scales (I). */
    public Tensor scales() {
        return scales;
    }

    /** The scalar gain (1). */
    public Tensor gain() {
        return gain;
    }
}
