package dev.vae4j.core.model;

import static org.bytedeco.pytorch.global.torch.chunk;
import static org.bytedeco.pytorch.global.torch.clamp;
import static org.bytedeco.pytorch.global.torch.exp;
import static org.bytedeco.pytorch.global.torch.full_like;
import static org.bytedeco.pytorch.global.torch.randn;

import dev.vae4j.core.tensor.Shapes;
import java.util.Arrays;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;

/**
 * diffusers {@code DiagonalGaussianDistribution}: a per-element Gaussian over latents (N, L, h, w) with the
 * log-variance clamped to [-30, 20]. Built from encoder moments (N, 2L, h, w) — first L channels the mean, next L the
 * log-variance — or, for cloneofsimo/vqgan-training's "constant variance", from a mean and a fixed variance, either
 * additive ({@code z + std * eps}) or multiplicative ({@code z * (1 + std * eps)}, the original's code).
 */
public final class DiagonalGaussian implements LatentDistribution {
    /** Lower clamp of the log-variance. */
    public static final double LOGVAR_MIN = -30.0;
    /** Upper clamp of the log-variance. */
    public static final double LOGVAR_MAX = 20.0;

    private static final double LOG_2PI = Math.log(2 * Math.PI);

    private final Tensor mean;
    private final Tensor logvar;
    private final Tensor std;
    private final Tensor var;
    private final Tensor noiseScale;

    private DiagonalGaussian(Tensor mean, Tensor logvar) {
        this(mean, logvar, null);
    }

    /** @param noiseScale what {@link #sample(Tensor)} multiplies the noise by; null for the std */
    private DiagonalGaussian(Tensor mean, Tensor logvar, Tensor noiseScale) {
        this.mean = mean;
        this.logvar =
                clamp(logvar, new ScalarOptional(new Scalar(LOGVAR_MIN)), new ScalarOptional(new Scalar(LOGVAR_MAX)));
        this.std = exp(this.logvar.mul(new Scalar(0.5)));
        this.var = exp(this.logvar);
        this.noiseScale = noiseScale == null ? std : noiseScale;
    }

    /**
     * From encoder moments (N, 2L, h, w): mean = channels [0, L), logvar = channels [L, 2L).
     *
     * @throws IllegalArgumentException if the tensor is not 4-D with an even channel count
     */
    public static DiagonalGaussian fromMoments(Tensor moments) {
        if (moments.dim() != 4 || moments.size(1) % 2 != 0) {
            throw new IllegalArgumentException(
                    "posterior moments must be (N, 2L, h, w), got " + Shapes.describe(moments));
        }
        TensorVector halves = chunk(moments, 2, 1);
        return new DiagonalGaussian(halves.get(0), halves.get(1));
    }

    /**
     * From a mean and a log-variance of the same shape (N, L, h, w); the log-variance is clamped to
     * [{@value #LOGVAR_MIN}, {@value #LOGVAR_MAX}] like every posterior's.
     *
     * @throws IllegalArgumentException if the shapes differ
     */
    public static DiagonalGaussian of(Tensor mean, Tensor logvar) {
        if (!Arrays.equals(mean.sizes().vec().get(), logvar.sizes().vec().get())) {
            throw new IllegalArgumentException(
                    "mean " + Shapes.describe(mean) + " and logvar " + Shapes.describe(logvar) + " differ in shape");
        }
        return new DiagonalGaussian(mean, logvar);
    }

    /** A Gaussian with the given mean (N, L, h, w) and the same fixed {@code variance} everywhere (> 0). */
    public static DiagonalGaussian fixedVariance(Tensor mean, double variance) {
        if (!(variance > 0) || !Double.isFinite(variance)) {
            throw new IllegalArgumentException("fixed variance must be positive and finite, got " + variance);
        }
        return new DiagonalGaussian(mean, full_like(mean, new Scalar(Math.log(variance))));
    }

    /**
     * cloneofsimo/vqgan-training's multiplicative "constant variance": samples are {@code mean * (1 + relativeStd *
     * eps)}, i.e. a Gaussian with std {@code relativeStd * |mean|} whose noise keeps the sign of the mean, exactly as
     * the original's code draws it. The log-variance is {@code log((relativeStd * mean)^2)} floored at
     * {@link #LOGVAR_MIN}.
     *
     * @param mean the encoder output z (N, L, h, w)
     * @param relativeStd sigma (0.1 in the original), >= 0
     */
    public static DiagonalGaussian multiplicative(Tensor mean, double relativeStd) {
        if (!(relativeStd >= 0) || !Double.isFinite(relativeStd)) {
            throw new IllegalArgumentException("relative std must be >= 0 and finite, got " + relativeStd);
        }
        Tensor scale = mean.mul(new Scalar(relativeStd));
        Tensor logvar = scale.pow(new Scalar(2))
                .clamp_min(new Scalar(Math.exp(LOGVAR_MIN)))
                .log();
        return new DiagonalGaussian(mean, logvar, scale);
    }

    @Override
    public Tensor mean() {
        return mean;
    }

    /** The clamped log-variance, (N, L, h, w). */
    @Override
    public Tensor logvar() {
        return logvar;
    }

    /** Standard deviation {@code exp(logvar / 2)}, (N, L, h, w). */
    public Tensor std() {
        return std;
    }

    /** Variance {@code exp(logvar)}, (N, L, h, w). */
    public Tensor var() {
        return var;
    }

    /**
     * {@code mean + std * noise} ({@code mean * (1 + relativeStd * noise)} for {@link #multiplicative}), for
     * caller-supplied standard normal noise of the mean's shape.
     */
    @Override
    public Tensor sample(Tensor noise) {
        if (!Arrays.equals(noise.sizes().vec().get(), mean.sizes().vec().get())) {
            throw new IllegalArgumentException(
                    "noise shape " + Shapes.describe(noise) + " differs from the latent " + Shapes.describe(mean));
        }
        return mean.add(noiseScale.mul(noise));
    }

    @Override
    public Tensor sample(Generator generator) {
        TensorOptions options = new TensorOptions(mean.scalar_type());
        Tensor noise = randn(mean.sizes().vec().get(), new GeneratorOptional(generator), options);
        return sample(noise.to(mean.device(), mean.scalar_type()));
    }

    @Override
    public Tensor mode() {
        return mean;
    }

    /** {@code 0.5 * sum(mean^2 + var - 1 - logvar)} over C, H, W: shape (N). */
    @Override
    public Tensor kl() {
        return mean.pow(new Scalar(2))
                .add(var)
                .sub(new Scalar(1.0))
                .sub(logvar)
                .sum(Shapes.CHW)
                .mul(new Scalar(0.5));
    }

    /** KL(this || other), summed over C, H, W: shape (N). */
    public Tensor kl(DiagonalGaussian other) {
        Tensor diff = mean.sub(other.mean);
        return diff.pow(new Scalar(2))
                .div(other.var)
                .add(var.div(other.var))
                .sub(new Scalar(1.0))
                .sub(logvar)
                .add(other.logvar)
                .sum(Shapes.CHW)
                .mul(new Scalar(0.5));
    }

    /** Negative log-likelihood of {@code x} (N, L, h, w), summed over C, H, W: shape (N). */
    public Tensor nll(Tensor x) {
        return x.sub(mean)
                .pow(new Scalar(2))
                .div(var)
                .add(logvar)
                .add(new Scalar(LOG_2PI))
                .sum(Shapes.CHW)
                .mul(new Scalar(0.5));
    }
}
