package dev.vae4j.diffusion.objective;

import static dev.vae4j.diffusion.objective.ObjectiveTensors.requireLatents;

import dev.vae4j.diffusion.Denoiser;
import dev.vae4j.diffusion.PredictionType;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import java.util.Objects;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The discrete-time denoising objective of DDPM-style training: t uniform in [0, T), eps ~ N(0, I), {@code x_t =
 * add_noise(x0, eps, t)}, the denoiser's prediction at (x_t, t), its {@link PredictionType}'s target and a
 * {@link RegressionLoss} between them, optionally {@link MinSnrWeighting min-SNR} weighted. With epsilon prediction and
 * no weighting this is stanipov/pytorch-diffusion's {@code Diffusion.get_loss} (l1 / l2 / huber); with L2 it is
 * diffusers' {@code train_text_to_image.py} step.
 *
 * <p>Random draws come from one CPU generator: the timesteps first ({@code randint(0, T, (N,))}), then the noise
 * ({@code randn} of x0's shape), the order of pytorch-diffusion's {@code train_LDM.py}; both are moved to x0's device,
 * so a seed gives the same batch on every device.
 */
public final class DiffusionObjective implements TrainingObjective {
    private final ForwardProcess process;
    private final PredictionType predictionType;
    private final RegressionLoss loss;
    private final MinSnrWeighting minSnr;

    private DiffusionObjective(Builder builder) {
        this.process = new ForwardProcess(builder.schedule);
        this.predictionType = builder.predictionType;
        this.loss = builder.loss;
        this.minSnr = builder.minSnr;
    }

    /** A builder over {@code schedule}: epsilon prediction, L2, no min-SNR weighting unless set. */
    public static Builder builder(NoiseSchedule schedule) {
        return new Builder(schedule);
    }

    /** The forward process of the schedule (add_noise, targets, conversions, SNR). */
    public ForwardProcess forwardProcess() {
        return process;
    }

    /** What the denoiser is trained to predict. */
    public PredictionType predictionType() {
        return predictionType;
    }

    /** The regression loss. */
    public RegressionLoss loss() {
        return loss;
    }

    /** The min-SNR weighting, or null when the loss is unweighted. */
    public MinSnrWeighting minSnrWeighting() {
        return minSnr;
    }

    /**
     * Draws timesteps ({@code randint(0, T, (N,))}, int64) then noise ({@code randn} of x0's shape) from
     * {@code generator}, both moved to x0's device.
     *
     * @param x0 (N, C, H, W) clean latents
     * @param generator a CPU generator
     * @throws IllegalArgumentException if x0 is not a floating-point (N, C, H, W) batch
     */
    @Override
    public Draw draw(Tensor x0, Generator generator) {
        requireLatents(x0, "x0");
        Tensor timesteps = torch.randint(
                        0,
                        process.trainTimesteps(),
                        new long[] {x0.size(0)},
                        new GeneratorOptional(generator),
                        new TensorOptions(ScalarType.Long))
                .to(x0.device(), ScalarType.Long);
        Tensor noise = torch.randn(
                        x0.sizes().vec().get(), new GeneratorOptional(generator), new TensorOptions(ScalarType.Float))
                .to(x0.device(), x0.scalar_type());
        return new Draw(timesteps, noise);
    }

    /**
     * Evaluates the objective at given timesteps and noise.
     *
     * @param x0 (N, C, H, W) clean latents
     * @param labels (N) int64 class labels, or null
     * @param timesteps (N) integer steps in [0, T)
     * @param noise (N, C, H, W)
     * @throws IllegalArgumentException for a shape, dtype or timestep out of its limits, naming it
     */
    @Override
    public ObjectiveTerms compute(Denoiser denoiser, Tensor x0, Tensor labels, Tensor timesteps, Tensor noise) {
        Objects.requireNonNull(denoiser, "denoiser");
        Tensor noisy = process.addNoise(x0, noise, timesteps);
        Tensor target = process.target(predictionType, x0, noise, timesteps);
        Tensor modelTimesteps = timesteps.to(ScalarType.Float);
        Tensor prediction = ObjectiveTensors.predict(denoiser, noisy, modelTimesteps, labels);
        Tensor value = minSnr == null
                ? loss.mean(prediction, target)
                : loss.weightedMean(prediction, target, minSnr.weights(process.snr(timesteps), predictionType));
        return new ObjectiveTerms(value, modelTimesteps, noise, noisy, prediction, target);
    }

    /** Options of a {@link DiffusionObjective}. */
    public static final class Builder {
        private final NoiseSchedule schedule;
        private PredictionType predictionType = PredictionType.EPSILON;
        private RegressionLoss loss = RegressionLoss.L2;
        private MinSnrWeighting minSnr;

        private Builder(NoiseSchedule schedule) {
            this.schedule = Objects.requireNonNull(schedule, "schedule");
        }

        /** What the denoiser predicts (default epsilon). */
        public Builder predictionType(PredictionType type) {
            this.predictionType = Objects.requireNonNull(type, "predictionType");
            return this;
        }

        /** The regression loss (default L2). */
        public Builder loss(RegressionLoss loss) {
            this.loss = Objects.requireNonNull(loss, "loss");
            return this;
        }

        /**
         * Weights each sample's loss with min-SNR-gamma ({@link MinSnrWeighting}).
         *
         * @throws IllegalArgumentException if gamma is not a finite number > 0
         */
        public Builder minSnrGamma(double gamma) {
            this.minSnr = new MinSnrWeighting(gamma);
            return this;
        }

        /** The objective. */
        public DiffusionObjective build() {
            return new DiffusionObjective(this);
        }
    }
}
