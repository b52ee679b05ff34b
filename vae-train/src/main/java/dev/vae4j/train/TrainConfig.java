package dev.vae4j.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
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
 * @param schedule learning-rate schedule of the generator's optimizer, and of the discriminator's unless
 *     {@code discriminatorSchedule} is given
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
 *     checkpoint and the last step), averaged over it
 * @param discriminatorSchedule learning-rate schedule of the discriminator's optimizer (null: {@code schedule});
 *     pytorch-diffusion's VQ training gives its discriminator another one-cycle schedule
 * @param cudnnBenchmark let cuDNN time its convolution algorithms on the first batches and keep the fastest (for fixed
 *     image sizes; not bit-reproducible between runs); no effect off CUDA
 */
@JsonDeserialize(builder = TrainConfig.Builder.class)
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
        @JsonProperty("cudnn_benchmark") boolean cudnnBenchmark,
        @JsonProperty("discriminator_schedule") LearningRateSchedule discriminatorSchedule) {
    /** Steps per log interval when the recipe gives none. */
    public static final long DEFAULT_LOG_EVERY = 10;

    /**
     * Validates; every component is required ({@link #builder} holds the defaults, and a recipe's {@code train:}
     * section is read through it).
     */
    public TrainConfig {
        if (steps <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException(
                    "steps and batch_size must be positive, got " + steps + ", " + batchSize);
        }
        requireNonNull(generator, "generator_optimizer");
        requireNonNull(schedule, "schedule");
        requireNonNull(precision, "precision");
        requireNonNull(ganUpdates, "gan_updates");
        requireNonNull(device, "device");
        device = device.toLowerCase(Locale.ROOT);
        requireAtLeastOne(gradAccumulation, "grad_accumulation");
        requireAtLeastOne(maxNonFinite, "max_non_finite");
        requireAtLeastOne(keepCheckpoints, "keep_checkpoints");
        requireAtLeastOne(logEvery, "log_every");
        if (discStart < 0 || emaStart < 0 || checkpointEvery < 0) {
            throw new IllegalArgumentException("disc_start, ema_start and checkpoint_every must be >= 0, got "
                    + discStart + ", " + emaStart + ", " + checkpointEvery);
        }
        if (precision == Precision.FP16) {
            throw new IllegalArgumentException("training precision must be fp32 or bf16, got fp16 (float16 training "
                    + "needs loss scaling, which the loop does not do)");
        }
        if (!(fixedVariance >= 0) || !Double.isFinite(fixedVariance)) {
            throw new IllegalArgumentException("fixed_variance must be >= 0, got " + fixedVariance);
        }
        if (!(emaDecay >= 0 && emaDecay < 1) || gradClip < 0) {
            throw new IllegalArgumentException("invalid ema_decay " + emaDecay + " or grad_clip " + gradClip);
        }
    }

    private static void requireNonNull(Object value, String key) {
        if (value == null) {
            throw new IllegalArgumentException(key + " is required");
        }
    }

    private static void requireAtLeastOne(long value, String key) {
        if (value < 1) {
            throw new IllegalArgumentException(key + " must be >= 1, got " + value);
        }
    }

    /** The discriminator optimizer's schedule: {@code discriminatorSchedule}, or {@code schedule} when absent. */
    public LearningRateSchedule discriminatorScheduleOrShared() {
        return discriminatorSchedule == null ? schedule : discriminatorSchedule;
    }

    /** A builder holding this configuration, to change some of it. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * A builder with the defaults: 1 micro-batch per step, seed 0, no discriminator optimizer (the generator's is
     * used), constant rate, no clipping, no EMA, fp32, both networks every step, discriminator from step 0, 10
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

    /**
     * Builds a {@link TrainConfig} by name, starting from the defaults (the only place they are stated);
     * {@link #build()} validates like the record's constructor. A recipe's {@code train:} section is read through it,
     * key by key.
     */
    @JsonPOJOBuilder(withPrefix = "")
    @JsonIgnoreProperties(ignoreUnknown = false)
    public static final class Builder {
        private long steps;
        private int batchSize;
        private OptimizerSettings generator;
        private int gradAccumulation = 1;
        private long seed;
        private OptimizerSettings discriminator;
        private LearningRateSchedule schedule = LearningRateSchedule.constant(0);
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
        private long logEvery = DEFAULT_LOG_EVERY;
        private boolean cudnnBenchmark;
        private LearningRateSchedule discriminatorSchedule;

        /** For Jackson: a recipe's {@code train:} section names steps, batch_size and generator_optimizer itself. */
        private Builder() {}

        private Builder(long steps, int batchSize, OptimizerSettings generator) {
            this.steps = steps;
            this.batchSize = batchSize;
            this.generator = generator;
        }

        private Builder(TrainConfig from) {
            steps = from.steps;
            batchSize = from.batchSize;
            generator = from.generator;
            gradAccumulation = from.gradAccumulation;
            seed = from.seed;
            discriminator = from.discriminator;
            schedule = from.schedule;
            gradClip = from.gradClip;
            emaDecay = from.emaDecay;
            emaStart = from.emaStart;
            decoderOnly = from.decoderOnly;
            precision = from.precision;
            ganUpdates = from.ganUpdates;
            discStart = from.discStart;
            maxNonFinite = from.maxNonFinite;
            checkpointEvery = from.checkpointEvery;
            keepCheckpoints = from.keepCheckpoints;
            device = from.device;
            fixedVariance = from.fixedVariance;
            logEvery = from.logEvery;
            cudnnBenchmark = from.cudnnBenchmark;
            discriminatorSchedule = from.discriminatorSchedule;
        }

        /** Total optimizer steps, > 0. */
        @JsonProperty("steps")
        public Builder steps(long value) {
            this.steps = value;
            return this;
        }

        /** Images per micro-batch (per process), > 0. */
        @JsonProperty("batch_size")
        public Builder batchSize(int value) {
            this.batchSize = value;
            return this;
        }

        /** The autoencoder's optimizer. */
        @JsonProperty("generator_optimizer")
        public Builder generator(OptimizerSettings settings) {
            this.generator = settings;
            return this;
        }

        /** The autoencoder's optimizer with peak learning rate {@code lr} (the discriminator's follows when unset). */
        public Builder generatorLearningRate(double lr) {
            this.generator = generator.withLearningRate(lr);
            return this;
        }

        /** Micro-batches per optimizer step (default 1). */
        @JsonProperty("grad_accumulation")
        public Builder gradAccumulation(int microBatches) {
            this.gradAccumulation = microBatches;
            return this;
        }

        /** Seed of data order, augmentation and posterior sampling (default 0). */
        @JsonProperty("seed")
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** The discriminator's optimizer (default: the generator's settings). */
        @JsonProperty("discriminator_optimizer")
        public Builder discriminator(OptimizerSettings settings) {
            this.discriminator = settings;
            return this;
        }

        /**
         * Learning-rate schedule of the generator's optimizer, and of the discriminator's without a
         * {@link #discriminatorSchedule} (default constant, no warm-up).
         */
        @JsonProperty("schedule")
        public Builder schedule(LearningRateSchedule value) {
            this.schedule = value;
            return this;
        }

        /** Learning-rate schedule of the discriminator's optimizer (default null: the generator's schedule). */
        @JsonProperty("discriminator_schedule")
        public Builder discriminatorSchedule(LearningRateSchedule value) {
            this.discriminatorSchedule = value;
            return this;
        }

        /** Maximum global gradient norm (default 0: no clipping). */
        @JsonProperty("grad_clip")
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

        @JsonProperty("ema_decay")
        private Builder emaDecay(double decay) {
            this.emaDecay = decay;
            return this;
        }

        @JsonProperty("ema_start")
        private Builder emaStart(long step) {
            this.emaStart = step;
            return this;
        }

        /** Trains only the decoding path, encoder frozen (default false). */
        @JsonProperty("decoder_only")
        public Builder decoderOnly(boolean value) {
            this.decoderOnly = value;
            return this;
        }

        /** {@link Precision#FP32} (default) or {@link Precision#BF16} (autocast). */
        @JsonProperty("precision")
        public Builder precision(Precision value) {
            this.precision = value;
            return this;
        }

        /** Which network updates at each step (default both). */
        @JsonProperty("gan_updates")
        public Builder ganUpdates(GanUpdates value) {
            this.ganUpdates = value;
            return this;
        }

        /** First step of discriminator updates (default 0). */
        @JsonProperty("disc_start")
        public Builder discStart(long step) {
            this.discStart = step;
            return this;
        }

        /** Consecutive non-finite steps tolerated before the run stops (default 10). */
        @JsonProperty("max_non_finite")
        public Builder maxNonFinite(int steps) {
            this.maxNonFinite = steps;
            return this;
        }

        /** A checkpoint every {@code every} steps (0: only at the end), the newest {@code keep} kept (default 2). */
        public Builder checkpoints(long every, int keep) {
            this.checkpointEvery = every;
            this.keepCheckpoints = keep;
            return this;
        }

        @JsonProperty("checkpoint_every")
        private Builder checkpointEvery(long every) {
            this.checkpointEvery = every;
            return this;
        }

        @JsonProperty("keep_checkpoints")
        private Builder keepCheckpoints(int keep) {
            this.keepCheckpoints = keep;
            return this;
        }

        /** {@code cpu} (default), {@code cuda} or {@code cuda:N}. */
        @JsonProperty("device")
        public Builder device(String value) {
            this.device = value;
            return this;
        }

        /** Fixed posterior variance (> 0) in place of the predicted one (default 0: the predicted one). */
        @JsonProperty("fixed_variance")
        public Builder fixedVariance(double variance) {
            this.fixedVariance = variance;
            return this;
        }

        /** Steps per log interval (default {@value TrainConfig#DEFAULT_LOG_EVERY}). */
        @JsonProperty("log_every")
        public Builder logEvery(long steps) {
            this.logEvery = steps;
            return this;
        }

        /** cuDNN's benchmark mode, CUDA only (default off). */
        @JsonProperty("cudnn_benchmark")
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
                    cudnnBenchmark,
                    discriminatorSchedule);
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
