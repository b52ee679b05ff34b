package dev.vae4j.core.nn;

import static org.bytedeco.pytorch.global.torch.conv2d;
import static org.bytedeco.pytorch.global.torch.get_num_threads;
import static org.bytedeco.pytorch.global.torch.is_autocast_enabled;
import static org.bytedeco.pytorch.global.torch.linear;

import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LinearOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * {@code nn.Linear(in, out, bias)} with PyTorch's default initialisation: weight (out, in), bias (out); input (..., in)
 * -> (..., out). Parameter names: {@code weight, bias} (no {@code bias} entry without one).
 *
 * <p>On CPU in float32 with several intra-op threads, many rows are computed as a 1x1 convolution over the rows in the
 * channels-last layout, which oneDNN runs on libtorch's OpenMP threads: {@code nn.Linear} itself hands the whole
 * product to the Bytedeco build's OpenBLAS, which {@link dev.vae4j.core.tensor.CpuThreads} keeps at one thread so that
 * its pool does not fight OpenMP's for the cores. On 2 cores a (2048, 384) x (384, 1536) product then runs at about 200
 * GFLOP/s forward and 190 forward and backward, instead of 95 (PyTorch's MKL: 175-185). Results agree with
 * {@code F.linear} to float32 rounding. Small products, one thread, other devices and autocast use {@code F.linear}.
 */
public final class Linear extends Module {
    /**
     * Fewest rows computed as a convolution: with fewer, oneDNN's call overhead outweighs the second core (2 cores: 64
     * x 384 x 384 took 0.63 ms as a convolution, 0.30 as F.linear; 128 x 384 x 384, 0.27 and 0.43 ms).
     */
    static final long MIN_CONVOLUTION_ROWS = 128;

    /** Fewest multiply-adds (rows x in x out) computed as a convolution: 128 x 128 x 128 took 0.10 and 0.06 ms. */
    static final long MIN_CONVOLUTION_MACS = 1L << 23;

    private final Tensor weight;
    private final Tensor bias;

    /** {@code nn.Linear(in, out)}, with bias. */
    public Linear(long in, long out) {
        this(in, out, true);
    }

    /** {@code nn.Linear(in, out, bias)}, initialised from the global generator exactly as libtorch's Linear. */
    public Linear(long in, long out, boolean withBias) {
        // the initialising layer and its tensors are freed here, not when the garbage collector gets to them
        try (TensorScope scope = new TensorScope()) {
            LinearOptions options = new LinearOptions(in, out);
            options.bias().put(withBias);
            LinearImpl initial = new LinearImpl(options);
            weight = scope.keep(new Tensor(
                    register_parameter("weight", initial.weight().detach().clone())));
            bias = withBias
                    ? scope.keep(new Tensor(
                            register_parameter("bias", initial.bias().detach().clone())))
                    : null;
        }
    }

    /** The weight (out, in). */
    public Tensor weight() {
        return weight;
    }

    /** The bias (out); an {@link IllegalStateException} for a layer built without one. */
    public Tensor bias() {
        if (bias == null) {
            throw new IllegalStateException("this Linear layer has no bias");
        }
        return bias;
    }

    /** {@code x} (..., in) -> {@code x W^T + b} (..., out). */
    public Tensor forward(Tensor x) {
        long in = weight.size(1);
        if (x.dim() == 0 || x.size(-1) != in) {
            throw new IllegalArgumentException(
                    "Linear: input " + Shapes.describe(x) + " does not end in " + in + " features");
        }
        TensorOptional b = bias == null ? new TensorOptional() : new TensorOptional(bias);
        if (!runsAsConvolution(x)) {
            return linear(x, weight, b);
        }
        long rows = x.numel() / in;
        long out = weight.size(0);
        // (rows, in) row-major is the channels-last layout of a (1, in, rows, 1) image; the result (1, out, rows, 1)
        // comes back channels-last, which is (rows, out) row-major
        Tensor image = x.reshape(1, rows, 1, in).permute(0, 3, 1, 2);
        Tensor y = conv2d(
                image, weight.view(out, in, 1, 1), b, new long[] {1, 1}, new long[] {0, 0}, new long[] {1, 1}, 1);
        long[] shape = x.sizes().vec().get();
        shape[shape.length - 1] = out;
        return y.permute(0, 2, 3, 1).reshape(shape);
    }

    /** Whether {@link #forward} computes {@code x} as a channels-last 1x1 convolution (see the class comment). */
    boolean runsAsConvolution(Tensor x) {
        long rows = x.numel() / weight.size(1);
        return rows >= MIN_CONVOLUTION_ROWS
                && rows * weight.numel() >= MIN_CONVOLUTION_MACS
                && x.device().is_cpu()
                && x.scalar_type().value == ScalarType.Float.value
                && get_num_threads() > 1
                && !is_autocast_enabled(DeviceType.CPU);
    }
}
