package dev.vae4j.diffusion.objective;

import static dev.vae4j.diffusion.objective.ObjectiveTensors.column;
import static dev.vae4j.diffusion.objective.ObjectiveTensors.doubles;
import static dev.vae4j.diffusion.objective.ObjectiveTensors.requireLatents;
import static dev.vae4j.diffusion.objective.ObjectiveTensors.requirePerSample;
import static dev.vae4j.diffusion.objective.ObjectiveTensors.requireSameShape;

import dev.vae4j.diffusion.Denoiser;
import java.util.Objects;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The rectified-flow (flow-matching) objective as diffusers' {@code examples/dreambooth/train_dreambooth_sd3.py} trains
 * SD3: u from a {@link FlowTimeSampler}, the noise level {@code sigma = shift((T - floor(u T)) / T)} on the
 * {@code FlowMatchEulerDiscreteScheduler} grid of T training timesteps, {@code x_t = (1 - sigma) x0 + sigma eps}, the
 * denoiser's prediction at {@code sigma * T} and the per-sample {@link FlowLossWeighting weighted}
 * {@link RegressionLoss} (L2 in the script) against the velocity {@code eps - x0}.
 *
 * <p>The grid is descending (index 0 is sigma 1), so sigma is about 1 - u: a logit-normal mean m > 0 puts the samples
 * toward less noise, where the SD3 paper's logit-normal t (the noise level) with m > 0 puts them toward more. This
 * follows the script (diffusers issue #9056 lists where the script departs from the paper); mirror the mean to get the
 * paper's density.
 *
 * <p>SiT and LightningDiT flip the convention: {@code x_t = t x0 + (1 - t) eps}, target {@code x0 - eps}, t = 1 -
 * sigma; choose it with {@link Builder#convention}. The shift and the weighting always act on the noise level sigma.
 *
 * <p>Random draws come from one CPU generator: the noise first ({@code randn} of x0's shape), then the time draws, the
 * order of diffusers' script; both are moved to x0's device.
 */
public final class RectifiedFlowObjective implements TrainingObjective {
    private final FlowTimeSampler timeSampler;
    private final TimestepShift shift;
    private final int trainTimesteps;
    private final FlowLossWeighting weighting;
    private final RegressionLoss loss;
    private final FlowConvention convention;

    private RectifiedFlowObjective(Builder builder) {
        this.timeSampler = builder.timeSampler;
        this.shift = builder.shift;
        this.trainTimesteps = builder.trainTimesteps;
        this.weighting = builder.weighting;
        this.loss = builder.loss;
        this.convention = builder.convention;
    }

    /** A builder: uniform time, shift 1, 1000 training timesteps, no weighting, L2, diffusers' convention. */
    public static Builder builder() {
        return new Builder();
    }

    /** The number of grid points T of the noise levels (and the scale of the denoiser's timesteps). */
    public int trainTimesteps() {
        return trainTimesteps;
    }

    /** The convention of the denoiser's time and target. */
    public FlowConvention convention() {
        return convention;
    }

    /**
     * The noise levels of times {@code u}: {@code shift((T - floor(u T)) / T)}, as the SD3 script indexes the
     * scheduler's sigmas with {@code (u * T).long()} (in float32 like it; clamped to 1 where a shift float32 cannot
     * represent rounds shift(1) above 1).
     *
     * @param u (N) float times in [0, 1)
     * @return (N) float32 noise levels in (0, 1]
     * @throws IllegalArgumentException if u is not 1-D or a value is outside [0, 1)
     */
    public Tensor sigmas(Tensor u) {
        if (u.dim() != 1 || !u.is_floating_point()) {
            throw new IllegalArgumentException(
                    "u must be a 1-D floating-point tensor, got " + u.scalar_type() + " " + u.dim() + "-D");
        }
        for (double value : doubles(u)) {
            if (!(value >= 0 && value < 1)) {
                throw new IllegalArgumentException("time u " + value + " is outside [0, 1)");
            }
        }
        Tensor indices = u.to(ScalarType.Float).mul(new Scalar(trainTimesteps)).to(ScalarType.Long);
        Tensor grid = indices.neg()
                .add(new Scalar(trainTimesteps))
                .to(ScalarType.Float)
                .div(new Scalar(trainTimesteps));
        // a shift that float32 cannot represent can round shift(1) one ulp above 1: keep sigma a noise level
        return torch.clamp_max(shift.apply(grid), new Scalar(1.0));
    }

    /** The timesteps handed to the denoiser: {@code time(sigma) * T} of the convention, (N) float. */
    public Tensor modelTimesteps(Tensor sigmas) {
        return convention.time(sigmas).mul(new Scalar(trainTimesteps));
    }

    /**
     * {@code x = (1 - sigma) x0 + sigma noise}, per sample.
     *
     * @param sigmas (N) noise levels in [0, 1]
     */
    public Tensor interpolate(Tensor x0, Tensor noise, Tensor sigmas) {
        requireLatents(x0, "x0");
        requireSameShape(x0, "x0", noise, "noise");
        requireNoiseLevels(sigmas, x0.size(0));
        Tensor s = column(sigmas.to(x0.device(), x0.scalar_type()));
        return s.neg().add(new Scalar(1.0)).mul(x0).add(s.mul(noise));
    }

    /** The velocity target of the convention. */
    public Tensor target(Tensor x0, Tensor noise) {
        requireLatents(x0, "x0");
        requireSameShape(x0, "x0", noise, "noise");
        return convention.target(x0, noise);
    }

    /**
     * Draws noise ({@code randn} of x0's shape) then times u from {@code generator}; returns the noise levels
     * {@link #sigmas sigmas(u)} (float32) and the noise, on x0's device.
     *
     * @param x0 (N, C, H, W) clean latents
     * @param generator a CPU generator
     */
    @Override
    public Draw draw(Tensor x0, Generator generator) {
        requireLatents(x0, "x0");
        Tensor noise = torch.randn(
                        x0.sizes().vec().get(), new GeneratorOptional(generator), new TensorOptions(ScalarType.Float))
                .to(x0.device(), x0.scalar_type());
        Tensor u = timeSampler.sample(x0.size(0), generator);
        return new Draw(sigmas(u).to(x0.device(), ScalarType.Float), noise);
    }

    /**
     * Evaluates the objective at given noise levels and noise.
     *
     * @param x0 (N, C, H, W) clean latents
     * @param labels (N) int64 class labels, or null
     * @param sigmas (N) noise levels in [0, 1] ((0, 1] with SIGMA_SQRT weighting)
     * @param noise (N, C, H, W)
     * @throws IllegalArgumentException for a shape or noise level out of its limits, naming it
     */
    @Override
    public ObjectiveTerms compute(Denoiser denoiser, Tensor x0, Tensor labels, Tensor sigmas, Tensor noise) {
        Objects.requireNonNull(denoiser, "denoiser");
        Tensor noisy = interpolate(x0, noise, sigmas);
        if (weighting == FlowLossWeighting.SIGMA_SQRT
                && torch.eq(sigmas, new Scalar(0.0)).any().item_bool()) {
            throw new IllegalArgumentException("noise level sigma 0 has an infinite sigma_sqrt weight (sigma^-2)");
        }
        Tensor target = target(x0, noise);
        Tensor timesteps = modelTimesteps(sigmas.to(ScalarType.Float));
        Tensor prediction = ObjectiveTensors.predict(denoiser, noisy, timesteps, labels);
        Tensor weights = weighting.weights(sigmas.to(ScalarType.Float));
        Tensor value = loss.weightedMean(prediction, target, weights);
        return new ObjectiveTerms(value, timesteps, noise, noisy, prediction, target);
    }

    private static void requireNoiseLevels(Tensor sigmas, long n) {
        requirePerSample(sigmas, "sigmas", n);
        for (double value : doubles(sigmas)) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException("noise level sigma " + value + " is outside [0, 1]");
            }
        }
    }

    /** Options of a {@link RectifiedFlowObjective}. */
    public static final class Builder {
        private FlowTimeSampler timeSampler = FlowTimeSampler.uniform();
        private TimestepShift shift = TimestepShift.of(1.0);
        private int trainTimesteps = 1000;
        private FlowLossWeighting weighting = FlowLossWeighting.NONE;
        private RegressionLoss loss = RegressionLoss.L2;
        private FlowConvention convention = FlowConvention.NOISE_AT_ONE;

        private Builder() {}

        /** The density of u (default uniform). */
        public Builder timeSampler(FlowTimeSampler sampler) {
            this.timeSampler = Objects.requireNonNull(sampler, "timeSampler");
            return this;
        }

        /**
         * The SD3 shift k of the noise levels (default 1, SD3 3.0).
         *
         * @throws IllegalArgumentException if k is not a finite number > 0
         */
        public Builder shift(double k) {
            this.shift = TimestepShift.of(k);
            return this;
        }

        /**
         * The grid size T and timestep scale (default 1000, diffusers' {@code num_train_timesteps}).
         *
         * @throws IllegalArgumentException if {@code T < 1}
         */
        public Builder trainTimesteps(int timesteps) {
            if (timesteps < 1) {
                throw new IllegalArgumentException("train timesteps must be >= 1, got " + timesteps);
            }
            this.trainTimesteps = timesteps;
            return this;
        }

        /** The per-sample loss weighting (default none). */
        public Builder weighting(FlowLossWeighting weighting) {
            this.weighting = Objects.requireNonNull(weighting, "weighting");
            return this;
        }

        /** The regression loss (default L2). */
        public Builder loss(RegressionLoss loss) {
            this.loss = Objects.requireNonNull(loss, "loss");
            return this;
        }

        /** The time and target convention (default diffusers' / SD3's). */
        public Builder convention(FlowConvention convention) {
            this.convention = Objects.requireNonNull(convention, "convention");
            return this;
        }

        /** The objective. */
        public RectifiedFlowObjective build() {
            return new RectifiedFlowObjective(this);
        }
    }
}
