package dev.vae4j.diffusion.unet;

import static org.bytedeco.pytorch.global.torch.arange;
import static org.bytedeco.pytorch.global.torch.cat;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * stanipov/pytorch-diffusion's {@code SinusoidalPositionEmbeddings(dim)} (base 10000): with {@code half = dim / 2},
 * frequencies {@code exp(-ln(10000) / (half - 1) * i)} for i in [0, half), and {@code cat(sin(t f), cos(t f))}. The
 * operations and their order are upstream's, so float32 rounding agrees even for timesteps in the hundreds.
 */
final class SinusoidalEmbedding {
    private static final double BASE = 10000.0;

    private SinusoidalEmbedding() {}

    /** (N) timesteps -> (N, 2 * (dim / 2)) in the timesteps' float type; {@code dim >= 4}. */
    static Tensor of(Tensor timesteps, long dim) {
        long half = dim / 2;
        double step = Math.log(BASE) / (half - 1);
        Tensor frequencies =
                arange(new Scalar(half)).mul(new Scalar(-step)).exp().to(timesteps.device(), timesteps.scalar_type());
        Tensor arguments = timesteps.unsqueeze(1).mul(frequencies.unsqueeze(0));
        return cat(new TensorVector(arguments.sin(), arguments.cos()), -1);
    }
}
