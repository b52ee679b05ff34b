package dev.vae4j.diffusion.objective;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The density of the training time u in [0, 1) of rectified flow, as diffusers'
 * {@code training_utils.compute_density_for_timestep_sampling}: uniform, logit-normal ({@code u = sigmoid(m + s z)}, z
 * ~ N(0, 1)) or SD3's mode density ({@code u = 1 - r - scale (cos^2(pi r / 2) - 1 + r)}, r ~ U[0, 1)). {@link #draws}
 * are the raw random numbers (standard normal or uniform, float32, drawn on a CPU generator as {@code torch.randn} /
 * {@code torch.rand} draw them); {@link #fromDraws} maps them to u, so given the same draws the result is diffusers'.
 */
public final class FlowTimeSampler {
    /** The largest mode scale for which the mode density's map is monotone and stays in [0, 1]: 2 / (pi - 2). */
    public static final double MAX_MODE_SCALE = 2 / (Math.PI - 2);

    private enum Density {
        UNIFORM,
        LOGIT_NORMAL,
        MODE
    }

    private final Density density;
    private final double first;
    private final double second;

    private FlowTimeSampler(Density density, double first, double second) {
        this.density = density;
        this.first = first;
        this.second = second;
    }

    /** u ~ U[0, 1) (diffusers' weighting schemes other than logit_normal and mode). */
    public static FlowTimeSampler uniform() {
        return new FlowTimeSampler(Density.UNIFORM, 0, 0);
    }

    /**
     * u = sigmoid(n), n ~ N(mean, std) (SD3: mean 0, std 1).
     *
     * @throws IllegalArgumentException if mean is not finite or std is not a finite number > 0
     */
    public static FlowTimeSampler logitNormal(double mean, double std) {
        if (!Double.isFinite(mean)) {
            throw new IllegalArgumentException("logit-normal mean must be finite, got " + mean);
        }
        if (!(std > 0) || !Double.isFinite(std)) {
            throw new IllegalArgumentException("logit-normal std must be a finite number > 0, got " + std);
        }
        return new FlowTimeSampler(Density.LOGIT_NORMAL, mean, std);
    }

    /**
     * SD3's mode density with {@code scale} (diffusers' default 1.29).
     *
     * @throws IllegalArgumentException if scale is outside [-1, {@link #MAX_MODE_SCALE}], where u leaves [0, 1]
     */
    public static FlowTimeSampler mode(double scale) {
        if (!(scale >= -1 && scale <= MAX_MODE_SCALE)) {
            throw new IllegalArgumentException(
                    "mode scale must be in [-1, " + MAX_MODE_SCALE + "] (2 / (pi - 2)), got " + scale);
        }
        return new FlowTimeSampler(Density.MODE, scale, 0);
    }

    /**
     * n raw draws from {@code generator}: (n) float32 standard normal for logit-normal, uniform [0, 1) otherwise.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public Tensor draws(long n, Generator generator) {
        if (n < 1) {
            throw new IllegalArgumentException("number of timesteps must be >= 1, got " + n);
        }
        long[] shape = {n};
        GeneratorOptional g = new GeneratorOptional(generator);
        TensorOptions options = new TensorOptions(ScalarType.Float);
        return density == Density.LOGIT_NORMAL ? torch.randn(shape, g, options) : torch.rand(shape, g, options);
    }

    /** u (same shape) of raw {@link #draws}. */
    public Tensor fromDraws(Tensor draws) {
        return switch (density) {
            case UNIFORM -> draws;
            case LOGIT_NORMAL -> torch.sigmoid(draws.mul(new Scalar(second)).add(new Scalar(first)));
            case MODE -> {
                Tensor cosine = torch.cos(draws.mul(new Scalar(Math.PI / 2)));
                Tensor bump = cosine.mul(cosine).sub(new Scalar(1.0)).add(draws);
                yield draws.neg().add(new Scalar(1.0)).sub(bump.mul(new Scalar(first)));
            }
        };
    }

    /** n values of u in [0, 1): {@link #fromDraws} of {@link #draws}. */
    public Tensor sample(long n, Generator generator) {
        return fromDraws(draws(n, generator));
    }
}
