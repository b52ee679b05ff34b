package dev.vae4j.diffusion.schedule;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.cumprod;
import static org.bytedeco.pytorch.global.torch.empty;
import static org.bytedeco.pytorch.global.torch.linspace;

import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRef;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The float32 beta formulas, written with the same libtorch ops in the same order as the reference's torch code so that
 * the betas agree bit for bit ({@code linspace}, {@code sigmoid} and {@code cos} are libtorch's kernels, not Java's);
 * the float64 ones ({@code betas_for_alpha_bar}) in Java doubles as Python computes them.
 */
final class BetaMath {
    private BetaMath() {}

    /** diffusers' and pytorch-diffusion's {@code torch.linspace(start, end, T, dtype=float32)}. */
    static double[] linear(int timesteps, double start, double end) {
        return compute(() -> floatLinspace(start, end, timesteps));
    }

    /** {@code torch.linspace(start ** 0.5, end ** 0.5, T, dtype=float32) ** 2}. */
    static double[] scaledLinear(int timesteps, double start, double end) {
        return compute(
                () -> floatLinspace(Math.sqrt(start), Math.sqrt(end), timesteps).pow(new Scalar(2L)));
    }

    /** {@code torch.sigmoid(torch.linspace(-6, 6, T)) * (end - start) + start}. */
    static double[] sigmoid(int timesteps, double start, double end) {
        return compute(() -> floatLinspace(-6, 6, timesteps)
                .sigmoid()
                .mul(new Scalar(end - start))
                .add(new Scalar(start)));
    }

    /**
     * diffusers' {@code betas_for_alpha_bar(T)} with the cosine alpha-bar: Python floats (float64), each beta
     * {@code min(1 - alpha_bar((i + 1) / T) / alpha_bar(i / T), 0.999)}, then cast to float32.
     */
    static double[] squaredcosCapV2(int timesteps) {
        double[] betas = new double[timesteps];
        for (int i = 0; i < timesteps; i++) {
            double t1 = (double) i / timesteps;
            double t2 = (double) (i + 1) / timesteps;
            betas[i] = (float) Math.min(1 - cosineAlphaBar(t2) / cosineAlphaBar(t1), 0.999);
        }
        return betas;
    }

    private static double cosineAlphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /** pytorch-diffusion's {@code cosine_beta_schedule(T, s)} in float32, clipped to [0.0001, 0.9999]. */
    static double[] cosine(int timesteps, double s) {
        return compute(() -> {
            Tensor x = floatLinspace(0, timesteps, timesteps + 1);
            Tensor alphasCumprod = x.div(new Scalar((long) timesteps))
                    .add(new Scalar(s))
                    .div(new Scalar(1 + s))
                    .mul(new Scalar(Math.PI))
                    .mul(new Scalar(0.5))
                    .cos()
                    .pow(new Scalar(2L));
            alphasCumprod = alphasCumprod.div(alphasCumprod.get(0));
            Tensor ratio = alphasCumprod.narrow(0, 1, timesteps).div(alphasCumprod.narrow(0, 0, timesteps));
            return oneMinus(ratio).clip(new ScalarOptional(new Scalar(0.0001)), new ScalarOptional(new Scalar(0.9999)));
        });
    }

    /**
     * diffusers' {@code rescale_zero_terminal_snr} (Lin et al. 2023, Algorithm 1) on float32 betas: shifts and scales
     * sqrt(alpha-bar) so that its last value is 0 and its first unchanged.
     */
    static double[] rescaleZeroTerminalSnr(double[] betas) {
        int n = betas.length;
        return compute(() -> {
            Tensor alphas = oneMinus(floatTensor(betas));
            Tensor alphasBarSqrt = cumprod(alphas, 0).sqrt();
            Tensor first = alphasBarSqrt.get(0).clone();
            Tensor last = alphasBarSqrt.get(n - 1).clone();
            alphasBarSqrt = alphasBarSqrt.sub(last);
            alphasBarSqrt = alphasBarSqrt.mul(first.div(first.sub(last)));
            Tensor alphasBar = alphasBarSqrt.pow(new Scalar(2L));
            Tensor ratios = alphasBar.narrow(0, 1, n - 1).div(alphasBar.narrow(0, 0, n - 1));
            TensorVector parts = new TensorVector(alphasBar.narrow(0, 0, 1), ratios);
            return oneMinus(cat(new TensorArrayRef(parts), 0));
        });
    }

    /** A new float32 (n) tensor of {@code values} rounded to float. */
    static Tensor floatTensor(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        Tensor t = empty(new long[] {values.length}, new TensorOptions(ScalarType.Float), new MemoryFormatOptional());
        t.data_ptr_float().put(floats, 0, floats.length);
        return t;
    }

    private static Tensor floatLinspace(double start, double end, int steps) {
        return linspace(new Scalar(start), new Scalar(end), steps, new TensorOptions(ScalarType.Float));
    }

    /** {@code 1 - x} as torch's {@code rsub} computes it in float32. */
    private static Tensor oneMinus(Tensor x) {
        return x.neg().add(new Scalar(1.0));
    }

    private static double[] compute(java.util.function.Supplier<Tensor> formula) {
        try (TensorScope scope = new TensorScope()) {
            Tensor result = formula.get().contiguous();
            float[] floats = new float[(int) result.numel()];
            result.data_ptr_float().get(floats, 0, floats.length);
            double[] values = new double[floats.length];
            for (int i = 0; i < floats.length; i++) {
                values[i] = floats[i];
            }
            return values;
        }
    }
}
