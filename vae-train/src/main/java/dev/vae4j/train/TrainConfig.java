package dev.vae4j.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.vae4j.core.model.ConfigEnums;
import dev.vae4j.core.tensor.Precision;
import java.util.Locale;

/**
 * The hyper-parameters of the training loop (what a recipe's {@code train:} section holds). Steps count optimizer
 * updates of the autoencoder; each consumes {@code gradAccumulation} micro-batches of {@code batchSize}.
 *
 * @param steps total optimizer steps
 * @param batchSize images per micro-batch (per process)
 * @param gradAccumulation micro-batches per optimizer step
 * @param seed seed of data order, augmentation and posterior sampling
 * @param generator the autoencoder's optimizer
 * @param discriminator the discriminator's optimizer (ignored without a discriminator)
 * @param schedule learning-rate schedule of both optimizers
 * @param gradClip maximum global gradient norm (0: no clipping)
 * @param emaDecay EMA decay of the autoencoder weights (0: no EMA)
 * @param emaStart step at which the EMA starts averaging
 * @param decoderOnly train only the decoding path (encoder frozen)
 * @param precision {@link Precision#FP32} or {@link Precision#BF16} (autocast); recipe spelling {@code fp32} or
 *     {@code bf16}
 * @param ganUpdates which network updates at each step
 * @param discStart first step of discriminator updates
 * @param maxNonFinite consecutive non-finite steps tolerated before the run stops
 * @param checkpointEvery steps between checkpoints (0: only at the end)
 * @param keepCheckpoints checkpoints kept on disk (the newest)
 * @param device {@code cpu} or {@code cuda}
 * @param fixedVariance cloneofsimo/vqgan-training's "constant variance": when > 0 the posterior keeps the encoder's
 *     mean but this fixed variance replaces the predicted one (0: the predicted variance)
 * @param logEvery steps per log interval: the loss terms are read from the device once per interval (and at each
 *     checkpoint and the last step), averaged over it (0: the default, 10)
 * @param cudnnBenchmark let cuDNN time its convolution algorithms on the first batches and keep the fastest (for fixed
 *     image sizes; not bit-reproducible between runs); no effect off CUDA
 */
public record TrainConfig(
        @JsonProperty("steps") long steps,
        @JsonProperty("batch_size") int batchSize,
        @JsonProperty("grad_accumulation") int gradAccumulation,
        @JsonProperty("seed") long seed,
        @JsonProperty("generator_optimizer") OptimizerSettings generator,
        @JsonProperty("discriminator_optimizer") OptimizerSettings discriminator,
        @JsonProperty("schedule") LearningRateSchedule schedule,
        @JsonProperty("grad_clip") double gradClip,
        @JsonProperty("ema_decay") double emaDecay,
        @JsonProperty("ema_start") long emaStart,
        @JsonProperty("decoder_only") boolean decoderOnly,
        @JsonProperty("precision") Precision precision,
        @JsonProperty("gan_updates") GanUpdates ganUpdates,
        @JsonProperty("disc_start") long discStart,
        @JsonProperty("max_non_finite") int maxNonFinite,
        @JsonProperty("checkpoint_every") long checkpointEvery,
        @JsonProperty("keep_checkpoints") int keepCheckpoints,
        @JsonProperty("device") String device,
        @JsonProperty("fixed_variance") double fixedVariance,
        @JsonProperty("log_every") long logEvery,
        @JsonProperty("cudnn_benchmark") boolean cudnnBenchmark) {
    /** Steps per log interval when the recipe gives none. */
    public static final long DEFAULT_LOG_EVERY = 10;

    /** Fills defaults and validates. */
    public TrainConfig {
        gradAccumulation = Math.max(1, gradAccumulation);
        schedule = schedule == null ? LearningRateSchedule.constant(0) : schedule;
        precision = precision == null ? Precision.FP32 : precision;
        ganUpdates = ganUpdates == null ? GanUpdates.BOTH : ganUpdates;
        maxNonFinite = maxNonFinite <= 0 ? 10 : maxNonFinite;
        keepCheckpoints = keepCheckpoints <= 0 ? 2 : keepCheckpoints;
        device = device == null ? "cpu" : device.toLowerCase(Locale.ROOT);
        logEvery = logEvery == 0 ? DEFAULT_LOG_EVERY : logEvery;
        if (steps <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException(
                    "steps and batch_size must be positive, got " + steps + ", " + batchSize);
        }
        if (generator == null) {
            throw new IllegalArgumentException("generator_optimizer is required");
        }
        if (precision == Precision.FP16) {
            throw new IllegalArgumentException("training precision must be fp32 or bf16, got fp16 (float16 training "
                    + "needs loss scaling, which the loop does not do)");
        }
        if (!(fixedVariance >= 0) || !Double.isFinite(fixedVariance)) {
            throw new IllegalArgumentException("fixed_variance must be >= 0, got " + fixedVariance);
        }
        if (logEvery < 0) {
            throw new IllegalArgumentException("log_every must be >= 0, got " + logEvery);
        }
        if (!(emaDecay >= 0 && emaDecay < 1) || gradClip < 0) {
            throw new IllegalArgumentException("invalid ema_decay " + emaDecay + " or grad_clip " + gradClip);
        }
    }

    /** A copy with other steps, batch size and device (command-line overrides). */
    public TrainConfig with(long newSteps, int newBatchSize, String newDevice) {
        return new TrainConfig(
                newSteps,
                newBatchSize,
                gradAccumulation,
                seed,
                generator,
                discriminator,
                schedule,
                gradClip,
                emaDecay,
                emaStart,
                decoderOnly,
                precision,
                ganUpdates,
                discStart,
                maxNonFinite,
                checkpointEvery,
                keepCheckpoints,
                newDevice,
                fixedVariance,
                logEvery,
                cudnnBenchmark);
    }

    /**
     * A copy whose autoencoder optimizer has peak learning rate {@code lr} (a command-line override; the discriminator
     * follows when it has no optimizer settings of its own).
     */
    public TrainConfig withGeneratorLearningRate(double lr) {
        return new TrainConfig(
                steps,
                batchSize,
                gradAccumulation,
                seed,
                generator.withLearningRate(lr),
                discriminator,
                schedule,
                gradClip,
                emaDecay,
                emaStart,
                decoderOnly,
                precision,
                ganUpdates,
                discStart,
                maxNonFinite,
                checkpointEvery,
                keepCheckpoints,
                device,
                fixedVariance,
                logEvery,
                cudnnBenchmark);
    }

    /** A copy that reads the loss terms every {@code steps} steps (0: the default). */
    public TrainConfig withLogEvery(long steps) {
        return new TrainConfig(
                this.steps,
                batchSize,
                gradAccumulation,
                seed,
                generator,
                discriminator,
                schedule,
                gradClip,
                emaDecay,
                emaStart,
                decoderOnly,
                precision,
                ganUpdates,
                discStart,
                maxNonFinite,
                checkpointEvery,
                keepCheckpoints,
                device,
                fixedVariance,
                steps,
                cudnnBenchmark);
    }

    /** A copy with cuDNN's benchmark mode on or off (a command-line override). */
    public TrainConfig withCudnnBenchmark(boolean on) {
        return new TrainConfig(
                steps,
                batchSize,
                gradAccumulation,
                seed,
                generator,
                discriminator,
                schedule,
                gradClip,
                emaDecay,
                emaStart,
                decoderOnly,
                precision,
                ganUpdates,
                discStart,
                maxNonFinite,
                checkpointEvery,
                keepCheckpoints,
                device,
                fixedVariance,
                logEvery,
                on);
    }

    /**
     * A builder with the recipe defaults: 1 micro-batch per step, seed 0, no discriminator optimizer (the generator's
     * is used), constant rate, no clipping, no EMA, fp32, both networks every step, discriminator from step 0, 10
     * non-finite steps tolerated, checkpoints only at the end (2 kept), CPU, predicted variance, loss terms read every
     * {@value #DEFAULT_LOG_EVERY} steps, no cuDNN benchmark mode.
     *
     * @param steps total optimizer steps, > 0
     * @param batchSize images per micro-batch (per process), > 0
     * @param generator the autoencoder's optimizer
     */
    public static Builder builder(long steps, int batchSize, OptimizerSettings generator) {
        return new Builder(steps, batchSize, generator);
    }

    /** Builds a {@link TrainConfig} by name; {@link #build()} validates like the record's constructor. */
    public static final class Builder {
        private final long steps;
        private final int batchSize;
        private final OptimizerSettings generator;
        private int gradAccumulation = 1;
        private long seed;
        private OptimizerSettings discriminator;
        private LearningRateSchedule schedule;
        private double gradClip;
        private double emaDecay;
        private long emaStart;
        private boolean decoderOnly;
        private Precision precision = Precision.FP32;
        private GanUpdates ganUpdates = GanUpdates.BOTH;
        private long discStart;
        private int maxNonFinite = 10;
        private long checkpointEvery;
        private int keepCheckpoints = 2;
        private String device = "cpu";
        private double fixedVariance;
        private long logEvery;
        private boolean cudnnBenchmark;

        private Builder(long steps, int batchSize, OptimizerSettings generator) {
            this.steps = steps;
            this.batchSize = batchSize;
            this.generator = generator;
        }

        /** Micro-batches per optimizer step. */
        public Builder gradAccumulation(int microBatches) {
            this.gradAccumulation = microBatches;
            return this;
        }

        /** Seed of data order, augmentation and posterior sampling. */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** The discriminator's optimizer. */
        public Builder discriminator(OptimizerSettings settings) {
            this.discriminator = settings;
            return this;
        }

        /** Learning-rate schedule of both optimizers. */
        public Builder schedule(LearningRateSchedule value) {
            this.schedule = value;
            return this;
        }

        /** Maximum global gradient norm (0: no clipping). */
        public Builder gradClip(double maxNorm) {
            this.gradClip = maxNorm;
            return this;
        }

        /** EMA of the autoencoder weights with {@code decay} in (0, 1), averaging from {@code start}. */
        public Builder ema(double decay, long start) {
            this.emaDecay = decay;
            this.emaStart = start;
            return this;
        }

        /** Trains only the decoding path (encoder frozen). */
        public Builder decoderOnly(boolean value) {
            this.decoderOnly = value;
            return this;
        }

        /** {@link Precision#FP32} or {@link Precision#BF16} (autocast). */
        public Builder precision(Precision value) {
            this.precision = value;
            return this;
        }

        /** Which network updates at each step. */
        public Builder ganUpdates(GanUpdates value) {
            this.ganUpdates = value;
            return this;
        }

        /** First step of discriminator updates. */
        public Builder discStart(long step) {
            this.discStart = step;
            return this;
        }

        /** Consecutive non-finite steps tolerated before the run stops. */
        public Builder maxNonFinite(int steps) {
            this.maxNonFinite = steps;
            return this;
        }

        /** A checkpoint every {@code every} steps (0: only at the end), the newest {@code keep} kept. */
        public Builder checkpoints(long every, int keep) {
            this.checkpointEvery = every;
            this.keepCheckpoints = keep;
            return this;
        }

        /** {@code cpu} or {@code cuda}. */
        public Builder device(String value) {
            this.device = value;
            return this;
        }

        /** Fixed posterior variance (> 0) in place of the predicted one. */
        public Builder fixedVariance(double variance) {
            this.fixedVariance = variance;
            return this;
        }

        /** Steps per log interval (0: {@value TrainConfig#DEFAULT_LOG_EVERY}). */
        public Builder logEvery(long steps) {
            this.logEvery = steps;
            return this;
        }

        /** cuDNN's benchmark mode (CUDA only). */
        public Builder cudnnBenchmark(boolean on) {
            this.cudnnBenchmark = on;
            return this;
        }

        /** The configuration. */
        public TrainConfig build() {
            return new TrainConfig(
                    steps,
                    batchSize,
                    gradAccumulation,
                    seed,
                    generator,
                    discriminator,
                    schedule,
                    gradClip,
                    emaDecay,
                    emaStart,
                    decoderOnly,
                    precision,
                    ganUpdates,
                    discStart,
                    maxNonFinite,
                    checkpointEvery,
                    keepCheckpoints,
                    device,
                    fixedVariance,
                    logEvery,
                    cudnnBenchmark);
        }
    }

    /**
     * Which network an optimizer step updates once the discriminator has started: recipe spelling {@code both} or
     * {@code alternate}.
     */
    public enum GanUpdates {
        /** The generator and the discriminator at every step. */
        BOTH,
        /**
         * The generator and the discriminator take turns, every other step after {@code discStart}, as diffusers'
         * AutoencoderKL training script does.
         */
        ALTERNATE;

        /** Parses {@code both} or {@code alternate} (case-insensitive). */
        @JsonCreator
        public static GanUpdates parse(String text) {
            return ConfigEnums.parse(GanUpdates.class, text, "gan_updates");
        }

        /** The recipe spelling. */
        @JsonValue
        @Override
        public String toString() {
            return ConfigEnums.lowerCase(this);
        }
    }
}
