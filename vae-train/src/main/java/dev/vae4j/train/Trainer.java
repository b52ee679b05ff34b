package dev.vae4j.train;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.DiagonalGaussian;
import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.model.LatentDistribution;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.Autocast;
import dev.vae4j.core.tensor.CudnnBenchmark;
import dev.vae4j.core.tensor.Precision;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.data.BatchLoader;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.data.ImageDataset;
import dev.vae4j.train.data.ShardedSampler;
import dev.vae4j.train.dist.DataParallel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The VAE/GAN training loop. Each optimizer step encodes a batch once, samples the posterior, decodes, and then updates
 * the autoencoder with the {@link GeneratorObjective} (discriminator parameters frozen) and/or the discriminator with
 * the {@link DiscriminatorObjective} on detached reconstructions, according to {@link TrainConfig#ganUpdates()} and
 * {@link TrainConfig#discStart()}. Gradients are accumulated over micro-batches, clipped on the device, checked for
 * non-finite values (such a step is skipped and counted; too many in a row stop the run), then applied; the EMA follows
 * each autoencoder update. Each step runs in its own {@link TensorScope}. The loop reads the device once per step (one
 * combined finite flag over the loss totals and gradient norms, which decides the skip) and once per
 * {@link TrainConfig#logEvery() log interval} (all loss terms, summed on the device, in one copy); every such read goes
 * through {@link HostSyncs}. Everything random (data order, augmentation, posterior noise) is a function of (seed,
 * global position of the sample in the data stream), so a run resumed from a checkpoint continues exactly like the
 * uninterrupted one. A {@link StopRequest} ({@link Builder#stopOn}) ends {@link #train} early at a step boundary, with
 * a checkpoint of the step reached.
 *
 * <p>Data-parallel training ({@link DataParallel}): every rank builds the same trainer; at start rank 0's weights
 * (autoencoder, discriminator, learned loss parameters, EMA) are broadcast; each rank takes its share of every global
 * batch ({@link ShardedSampler}); after backward the gradients are averaged over ranks in buckets, so all ranks apply
 * the same update, and W ranks with batch B follow the same trajectory as one process with batch W * B (exactly, up to
 * float summation order, for objectives that are means over the batch and without BatchNorm). A non-finite value on any
 * rank skips the step on all (a rank whose loss is non-finite makes one of its gradients NaN before they are averaged,
 * so every rank's gradient norm sees it). Reported loss terms are averaged over ranks once per log interval; only rank
 * 0 writes checkpoints. After every step but the last the ranks agree whether any of them has a stop request
 * ({@link StopRequest#agreed}: one all-reduce of a flag, read on the host; measured 0.5-0.9 ms with Gloo between two
 * processes on an overloaded 2-core machine), so all of them stop after the same step.
 */
public final class Trainer {
    /** Image-decoding threads of the data loader: decoding runs beside libtorch's own threads. */
    private static final int DECODE_WORKERS =
            Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));

    private final TrainableAutoencoder model;
    private final Discriminator discriminator;
    private final GeneratorObjective generatorObjective;
    private final DiscriminatorObjective discriminatorObjective;
    private final TrainConfig config;
    private final Path runDir;
    private final Device device;
    private final ExponentialMovingAverage ema;
    private final DataParallel parallel;
    private final TrainingLoop loop;
    private final TrainingLoop.Network generator;
    private final TrainingLoop.Network discriminatorNetwork;
    private final PosteriorNoise noise;

    /**
     * A trainer of {@code model} with {@code objective}; add a discriminator with {@link Builder#adversary} and make it
     * one rank of a data-parallel job with {@link Builder#parallel}.
     *
     * @param model the autoencoder (moved to the configured device)
     * @param objective the autoencoder's loss
     * @param config loop hyper-parameters
     * @param runDir where checkpoints go
     */
    public static Builder builder(
            TrainableAutoencoder model, GeneratorObjective objective, TrainConfig config, Path runDir) {
        return new Builder(model, objective, config, runDir);
    }

    /** The parts of a {@link Trainer}: the required ones given to {@link Trainer#builder}, the optional ones here. */
    public static final class Builder {
        private final TrainableAutoencoder model;
        private final GeneratorObjective objective;
        private final TrainConfig config;
        private final Path runDir;
        private Adversary adversary;
        private DataParallel parallel = DataParallel.none();
        private StopRequest stop = new StopRequest();

        private Builder(TrainableAutoencoder model, GeneratorObjective objective, TrainConfig config, Path runDir) {
            if (model == null || objective == null || config == null || runDir == null) {
                throw new IllegalArgumentException("a trainer needs a model, an objective, a config and a run folder");
            }
            this.model = model;
            this.objective = objective;
            this.config = config;
            this.runDir = runDir;
        }

        /** Trains {@code discriminator} with {@code discriminatorObjective} beside the autoencoder. */
        public Builder adversary(Discriminator discriminator, DiscriminatorObjective discriminatorObjective) {
            return adversary(new Adversary(discriminator, discriminatorObjective));
        }

        /** Trains {@code value}'s discriminator beside the autoencoder. */
        public Builder adversary(Adversary value) {
            this.adversary = value;
            return this;
        }

        /** Makes the trainer one rank of a data-parallel job ({@code config.batchSize()} is then per rank). */
        public Builder parallel(DataParallel value) {
            this.parallel = value;
            return this;
        }

        /**
         * Lets {@code value} end {@link Trainer#train} early: after the step in progress, with a checkpoint of it (see
         * {@link StopRequest}).
         */
        public Builder stopOn(StopRequest value) {
            if (value == null) {
                throw new IllegalArgumentException("the stop request must not be null");
            }
            this.stop = value;
            return this;
        }

        /**
         * The trainer.
         *
         * @throws IllegalArgumentException if the objective starts its GAN term before the loop starts training the
         *     discriminator ({@link TrainConfig#discStart()})
         */
        public Trainer build() {
            OptionalLong ganStart = objective.ganStart();
            if (adversary != null && ganStart.isPresent() && ganStart.getAsLong() < config.discStart()) {
                throw new IllegalArgumentException("the objective starts its GAN term at step " + ganStart.getAsLong()
                        + " but the loop trains the discriminator only from step " + config.discStart()
                        + " (disc_start): the discriminator must start no later than the GAN term");
            }
            return new Trainer(this);
        }
    }

    private Trainer(Builder parts) {
        this.parallel = parts.parallel;
        this.noise = new PosteriorNoise(parts.config.seed(), parts.parallel.context());
        this.model = parts.model;
        this.discriminator = parts.adversary == null ? null : parts.adversary.discriminator();
        this.generatorObjective = parts.objective;
        this.discriminatorObjective = parts.adversary == null ? null : parts.adversary.objective();
        this.config = parts.config;
        this.runDir = parts.runDir;
        this.device = new Device(config.device());
        model.module().to(device, false);
        model.module().train(true);
        List<Tensor> trained = config.decoderOnly() ? model.decoderParameters() : StateDict.parameters(model.module());
        for (Tensor p : StateDict.parameters(model.module())) {
            p.requires_grad_(false);
        }
        for (Tensor p : trained) {
            p.requires_grad_(true);
        }
        List<Tensor> generatorParameters = new ArrayList<>(trained);
        generatorParameters.addAll(generatorObjective.parameters());
        if (discriminator != null) {
            discriminator.module().to(device, false);
            discriminator.module().train(true);
        }
        ema = config.emaDecay() > 0
                ? new ExponentialMovingAverage(model.module(), config.emaDecay(), config.emaStart())
                : null;
        loop = new TrainingLoop(
                config,
                runDir,
                model.module(),
                ema,
                discriminator == null ? List.of() : List.of(discriminator.module()),
                parallel,
                parts.stop);
        generator = loop.network("autoencoder", generatorParameters, config.generator());
        discriminatorNetwork = discriminator == null
                ? null
                : loop.network(
                        "discriminator",
                        StateDict.parameters(discriminator.module()),
                        discriminatorSettings(),
                        config.discriminatorScheduleOrShared());
    }

    /** Restores weights, optimizers, EMA and counters from a checkpoint folder; training continues after it. */
    public void resume(Path checkpoint) {
        loop.resume(checkpoint, parts());
    }

    /** The counters after the latest step. */
    public TrainingState state() {
        return loop.state();
    }

    /** The EMA of the autoencoder weights, or null. */
    public ExponentialMovingAverage ema() {
        return ema;
    }

    /**
     * Trains until {@link TrainConfig#steps()} on this rank's share of {@code dataset}. Every rank of a job calls this
     * with the same dataset; listeners run on every rank (give the file-writing ones to rank 0 only), and
     * {@link TrainingListener#onCheckpoint} is called on rank 0, which alone writes checkpoints.
     *
     * <p>When the {@link Builder#stopOn stop request} is made on any rank, every rank ends after the same step (the
     * ranks agree after each step, {@link StopRequest#agreed}): that step is logged and checkpointed as a scheduled
     * checkpoint would be, the listeners get {@link TrainingListener#onStop} instead of {@link TrainingListener#onEnd},
     * and the returned counters are short of {@link TrainConfig#steps()}. Resuming from that checkpoint continues
     * exactly like the uninterrupted run.
     *
     * @return the final counters
     */
    public TrainingState train(ImageDataset dataset, List<TrainingListener> listeners) {
        try (Steps steps = open(dataset)) {
            return loop.train(steps::next, () -> run(steps.loader), this::parts, listeners);
        }
    }

    /**
     * Starts stepping through this rank's share of {@code dataset} by hand (what {@link #train} does, without listeners
     * or checkpoints, and not stopping at {@link TrainConfig#steps()}, which only shapes the learning-rate schedule):
     * for benchmarks and custom loops. Close it to stop the data loader.
     */
    public Steps open(ImageDataset dataset) {
        int rank = parallel.context().rank();
        int worldSize = parallel.context().worldSize();
        broadcastInitialState();
        ShardedSampler sampler = new ShardedSampler(
                dataset.size(), rank, worldSize, config.seed(), dataset.trainingOrder(config.batchSize() * worldSize));
        CudnnBenchmark.set(config.device(), config.cudnnBenchmark());
        return new Steps(new BatchLoader(
                dataset,
                sampler,
                config.batchSize(),
                config.seed(),
                loop.state().samples(),
                4,
                DECODE_WORKERS));
    }

    /** Optimizer steps taken one at a time from an {@link #open opened} data stream. */
    public final class Steps implements AutoCloseable {
        private final BatchLoader loader;

        private Steps(BatchLoader loader) {
            this.loader = loader;
        }

        /** One optimizer step (its loss terms join the current log interval). */
        public StepReport next() {
            return step(loader);
        }

        /** Reads the current log interval's terms (one host read), ending it at {@code last}. */
        public IntervalReport log(StepReport last) {
            return loop.closeInterval(last);
        }

        /** Stops the data loader. */
        @Override
        public void close() {
            loader.close();
        }
    }

    /** Makes every rank start from rank 0's weights (fresh or resumed), loss parameters and EMA. */
    private void broadcastInitialState() {
        List<org.bytedeco.pytorch.Module> modules = new ArrayList<>(List.of(model.module()));
        if (discriminator != null) {
            modules.add(discriminator.module());
        }
        List<Tensor> extra = new ArrayList<>(generatorObjective.parameters());
        if (ema != null) {
            extra.addAll(ema.tensors().values());
        }
        parallel.broadcastFromRankZero(modules, extra);
    }

    /** The discriminator's optimizer settings (the autoencoder's when the config gives none). */
    private OptimizerSettings discriminatorSettings() {
        return config.discriminator() == null ? config.generator() : config.discriminator();
    }

    private TrainingRun run(BatchLoader loader) {
        return new TrainingRun(model, discriminator, ema, config, runDir, loop.state(), loader.skippedFiles());
    }

    private CheckpointStore.Parts parts() {
        return new CheckpointStore.Parts(
                model.module(),
                ema,
                discriminator == null ? null : discriminator.module(),
                generator.optimizer(),
                discriminatorNetwork == null ? null : discriminatorNetwork.optimizer(),
                generatorObjective.parameters());
    }

    private StepReport step(BatchLoader loader) {
        long step = loop.state().step();
        boolean ganActive = discriminator != null && step >= config.discStart();
        boolean alternate = config.ganUpdates() == TrainConfig.GanUpdates.ALTERNATE;
        boolean updateGenerator = !ganActive || !alternate || step % 2 == 0;
        boolean updateDiscriminator = ganActive && (!alternate || step % 2 == 1);
        List<TrainingLoop.Network> updated = new ArrayList<>();
        if (updateGenerator) {
            updated.add(generator);
        }
        if (updateDiscriminator) {
            updated.add(discriminatorNetwork);
        }
        return loop.step(
                updated,
                (first, share, sums) ->
                        microStep(loader.next(), first, share, updateGenerator, updateDiscriminator, sums));
    }

    /**
     * One micro-batch, whose global data-stream positions start at {@code first}: forward once, backward the enabled
     * objectives (scaled by the micro-batch's {@code share}); adds their terms and totals to {@code sums}.
     */
    private void microStep(
            List<ImageArray> arrays,
            long first,
            double share,
            boolean updateGenerator,
            boolean updateDiscriminator,
            TrainingLoop.StepSums sums) {
        long step = loop.state().step();
        Tensor inputs = ImageArray.toDevice(arrays, device);
        DeviceType deviceType = device.type();
        LatentDistribution posterior;
        Tensor reconstructions;
        try (Autocast autocast = new Autocast(deviceType, ScalarType.BFloat16, config.precision() == Precision.BF16)) {
            if (config.decoderOnly()) {
                try (NoGradGuard frozenEncoder = new NoGradGuard()) {
                    posterior = model.encode(inputs);
                }
            } else {
                posterior = model.encode(inputs);
            }
            if (config.fixedVariance() > 0) {
                posterior = DiagonalGaussian.fixedVariance(posterior.mean(), config.fixedVariance());
            }
            reconstructions = model.decodeSample(posterior.sample(noise.like(posterior.mean(), first)))
                    .to(ScalarType.Float);
        }
        if (updateGenerator) {
            setRequiresGrad(discriminatorParameters(), false);
            LossTerms loss = generatorObjective.generatorLoss(
                    inputs, reconstructions, posterior, discriminator, step, model.lastLayerWeight());
            loss.total().mul(new Scalar(share)).backward();
            sums.log(loss.terms(), share);
            sums.check("generator loss", loss.total());
            setRequiresGrad(discriminatorParameters(), true);
        }
        if (updateDiscriminator) {
            LossTerms loss =
                    discriminatorObjective.discriminatorLoss(inputs, reconstructions.detach(), discriminator, step);
            loss.total().mul(new Scalar(share)).backward();
            sums.log(loss.terms(), share);
            sums.check("discriminator loss", loss.total());
        }
    }

    private List<Tensor> discriminatorParameters() {
        return discriminatorNetwork == null ? List.of() : discriminatorNetwork.parameters();
    }

    private static void setRequiresGrad(List<Tensor> parameters, boolean on) {
        for (Tensor p : parameters) {
            p.requires_grad_(on);
        }
    }
}
