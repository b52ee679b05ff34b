package dev.vae4j.train;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.dist.DataParallel;
import dev.vae4j.train.dist.GradientBuckets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of a training loop that does not depend on what is trained, shared by the autoencoder {@link Trainer} and
 * the stage-2 denoiser trainer: the counters ({@link TrainingState}, including the global data-stream position that
 * makes resumes exact), one optimizer step over micro-batches (gradient accumulation, the data-parallel gradient
 * average, clipping, the single non-finite check that skips and counts a step, the EMA update), the log intervals, and
 * the outer loop of steps, logs, checkpoints, listeners and {@link StopRequest}s.
 *
 * <p>The loop updates one or more {@link Network}s, created with {@link #network} in a fixed order: the first is the
 * model (its EMA follows each of its updates, {@link StepReport#generatorUpdated()} reports it), the second, if any,
 * the discriminator. What a micro-batch computes is the caller's {@link MicroStep}.
 */
public final class TrainingLoop {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);

    private final TrainConfig config;
    private final Device device;
    private final DataParallel parallel;
    private final StopRequest stop;
    private final CheckpointStore checkpoints;
    private final Module model;
    private final ExponentialMovingAverage ema;
    private final List<Module> buffered;
    private final List<Network> networks = new ArrayList<>();
    private final IntervalTerms interval = new IntervalTerms();
    private TrainingState state = TrainingState.start();

    /**
     * A loop over {@code config}'s steps.
     *
     * @param config loop hyper-parameters (steps, accumulation, clipping, logging, checkpoints, device)
     * @param runDir where checkpoints go
     * @param model the trained model (already on the device); its buffers are synchronised over ranks every step
     * @param ema the EMA of {@code model}, or null
     * @param others further modules whose buffers are synchronised (the discriminator), possibly empty
     * @param parallel the data-parallel job this loop is a rank of ({@link DataParallel#none()} alone)
     * @param stop the request that ends {@link #train} early
     */
    public TrainingLoop(
            TrainConfig config,
            Path runDir,
            Module model,
            ExponentialMovingAverage ema,
            List<Module> others,
            DataParallel parallel,
            StopRequest stop) {
        this.config = config;
        this.device = new Device(config.device());
        this.parallel = parallel;
        this.stop = stop;
        this.model = model;
        this.ema = ema;
        this.buffered = new ArrayList<>(List.of(model));
        this.buffered.addAll(others);
        this.checkpoints = new CheckpointStore(runDir, config.keepCheckpoints());
    }

    /**
     * A network this loop updates: its parameters, their optimizer and the data-parallel gradient buckets.
     *
     * @param name what the network is, for messages ({@code "autoencoder"}: its gradient norm is checked as
     *     {@code "autoencoder gradient norm"})
     * @param parameters the trained tensors
     * @param settings the optimizer and its base learning rate (scaled by the config's schedule each step)
     */
    public Network network(String name, List<Tensor> parameters, OptimizerSettings settings) {
        return network(name, parameters, settings, config.schedule());
    }

    /**
     * A network whose base learning rate follows {@code schedule} instead of the config's.
     *
     * @param name what the network is, for messages
     * @param parameters the trained tensors
     * @param settings the optimizer and its base learning rate
     * @param schedule the multiplier of the base learning rate at each step
     */
    public Network network(
            String name, List<Tensor> parameters, OptimizerSettings settings, LearningRateSchedule schedule) {
        Network network = new Network(name, List.copyOf(parameters), settings, schedule, parallel.buckets(parameters));
        networks.add(network);
        return network;
    }

    /** One network of the loop (see {@link #network}). */
    public static final class Network {
        private final String name;
        private final List<Tensor> parameters;
        private final OptimizerSettings settings;
        private final LearningRateSchedule schedule;
        private final Optimizer optimizer;
        private final GradientBuckets buckets;

        private Network(
                String name,
                List<Tensor> parameters,
                OptimizerSettings settings,
                LearningRateSchedule schedule,
                GradientBuckets buckets) {
            this.name = name;
            this.parameters = parameters;
            this.settings = settings;
            this.schedule = schedule;
            this.optimizer = settings.create(parameters);
            this.buckets = buckets;
        }

        /** The learning rate at {@code step} of a {@code totalSteps}-step run: the base rate times the schedule's. */
        double learningRate(long step, long totalSteps) {
            return settings.lr() * schedule.factor(step, totalSteps);
        }

        /** The trained tensors. */
        public List<Tensor> parameters() {
            return parameters;
        }

        /** The optimizer (saved with checkpoints). */
        public Optimizer optimizer() {
            return optimizer;
        }
    }

    /** What one micro-batch of a step computes. */
    @FunctionalInterface
    public interface MicroStep {
        /**
         * Runs the forward pass and {@code backward()} of the losses of the micro-batch whose samples start at global
         * data-stream position {@code first}, each loss scaled by {@code share} (1 / micro-batches) before backward,
         * and reports its terms to {@code sums}.
         */
        void run(long first, double share, StepSums sums);
    }

    /** The device-side sums of one step's logged terms and checked loss totals. */
    public static final class StepSums {
        private final Map<String, Tensor> terms = new LinkedHashMap<>();
        private final Map<String, Tensor> checked = new LinkedHashMap<>();

        private StepSums() {}

        /** Adds {@code share * value} of each logged term (0-d tensors, summed in float64 on the device). */
        public void log(Map<String, Tensor> values, double share) {
            accumulate(terms, values, share);
        }

        /** Adds a loss total (0-d) to the values the step's non-finite check reads, under {@code name}. */
        public void check(String name, Tensor total) {
            accumulate(checked, Map.of(name, total.detach()), 1.0);
        }

        private static void accumulate(Map<String, Tensor> sums, Map<String, Tensor> values, double share) {
            values.forEach((name, value) -> {
                Tensor weighted = value.to(ScalarType.Double).mul(new Scalar(share));
                sums.merge(name, weighted, Tensor::add);
            });
        }
    }

    /** The counters after the latest step. */
    public TrainingState state() {
        return state;
    }

    /** Restores the parts and counters of a checkpoint folder; training continues after it. */
    public void resume(Path checkpoint, CheckpointStore.Parts parts) {
        state = CheckpointStore.load(checkpoint, parts);
        LOG.info("resumed from {} at step {}", checkpoint, state.step());
    }

    /**
     * One optimizer step: sets every network's learning rate from the schedule, runs
     * {@link TrainConfig#gradAccumulation()} micro-batches, averages the gradients of the {@code updated} networks over
     * the ranks, clips them, and applies them unless a loss total or gradient norm is non-finite (then the step is
     * skipped and counted; {@link TrainConfig#maxNonFinite()} in a row throw {@link NonFiniteLossException}); updates
     * the EMA after an update of the model. The step runs in its own {@link TensorScope}; its terms join the current
     * log interval.
     *
     * @param updated the networks this step updates (a subset of those created, in any order)
     */
    public StepReport step(List<Network> updated, MicroStep body) {
        long started = System.nanoTime();
        long step = state.step();
        for (Network network : networks) {
            OptimizerSettings.setLearningRate(network.optimizer, network.learningRate(step, config.steps()));
        }
        double lr = networks.get(0).learningRate(step, config.steps());
        List<Network> inOrder = networks.stream().filter(updated::contains).toList();
        long globalBatch = (long) config.batchSize() * parallel.context().worldSize();
        String nonFinite;
        StepReport report;
        try (TensorScope scope = new TensorScope()) {
            parallel.synchronizeBuffers(buffered);
            StepSums sums = new StepSums();
            double share = 1.0 / config.gradAccumulation();
            for (int m = 0; m < config.gradAccumulation(); m++) {
                body.run(state.samples() + m * globalBatch, share, sums);
            }
            if (parallel.context().worldSize() > 1) {
                List<List<Tensor>> poisoned = new ArrayList<>();
                inOrder.forEach(n -> poisoned.add(n.parameters));
                GradientChecks.poisonOnNonFiniteLoss(sums.checked.values(), poisoned);
            }
            for (Network network : inOrder) {
                network.buckets.average(parallel.collectives());
                sums.checked.put(
                        network.name + " gradient norm",
                        GradientChecks.clip(network.parameters, config.gradClip(), device));
            }
            nonFinite = GradientChecks.firstNonFinite(sums.checked);
            if (nonFinite == null) {
                inOrder.forEach(n -> n.optimizer.step());
            }
            networks.forEach(n -> n.optimizer.zero_grad(true));
            boolean skipped = nonFinite != null;
            boolean modelUpdated = inOrder.contains(networks.get(0));
            boolean otherUpdated = networks.size() > 1 && inOrder.contains(networks.get(1));
            double seconds = (System.nanoTime() - started) / 1e9;
            report = new StepReport(step + 1, lr, modelUpdated && !skipped, otherUpdated && !skipped, skipped, seconds);
            interval.add(report, skipped ? Map.of() : sums.terms);
        }
        boolean skipped = report.skipped();
        int inARow = skipped ? state.nonFiniteInARow() + 1 : 0;
        if (skipped) {
            LOG.warn("step {} skipped: non-finite {} ({} in a row)", step + 1, nonFinite, inARow);
            if (inARow >= config.maxNonFinite()) {
                throw new NonFiniteLossException(step + 1, inARow, nonFinite);
            }
        } else if (ema != null && report.generatorUpdated()) {
            ema.update(model, step + 1);
        }
        state = new TrainingState(
                step + 1,
                state.skippedSteps() + (skipped ? 1 : 0),
                inARow,
                state.seconds() + report.seconds(),
                state.samples() + config.gradAccumulation() * globalBatch);
        return report;
    }

    /** Reads the current log interval's terms (one host read and, with several ranks, one collective), ending it. */
    public IntervalReport closeInterval(StepReport last) {
        return interval.close(last, parallel.collectives(), config.device());
    }

    /**
     * Steps until {@link TrainConfig#steps()}, logging every {@link TrainConfig#logEvery()} steps, checkpointing every
     * {@link TrainConfig#checkpointEvery()} steps and after the last (rank 0 only), and stopping early, after the same
     * step on every rank, with a checkpoint, when the {@link StopRequest} is made on any rank. Listeners get
     * {@link TrainingListener#onStop} instead of {@link TrainingListener#onEnd} then.
     *
     * @param steps takes one step (usually {@link #step} with the caller's micro-step)
     * @param run the listeners' view of the run now
     * @param parts what a checkpoint saves now
     * @return the final counters
     */
    public TrainingState train(
            Supplier<StepReport> steps,
            Supplier<TrainingRun> run,
            Supplier<CheckpointStore.Parts> parts,
            List<TrainingListener> listeners) {
        listeners.forEach(l -> l.onStart(run.get()));
        while (state.step() < config.steps()) {
            StepReport report = steps.get();
            boolean last = state.step() == config.steps();
            boolean stopping = !last && stop.agreed(parallel.collectives());
            boolean due =
                    last || stopping || (config.checkpointEvery() > 0 && state.step() % config.checkpointEvery() == 0);
            if (due || state.step() % config.logEvery() == 0) {
                IntervalReport logged = closeInterval(report);
                listeners.forEach(l -> l.onLog(run.get(), logged));
            }
            listeners.forEach(l -> l.onStep(run.get(), report));
            Path saved = due && parallel.context().writer() ? checkpoints.save(state, parts.get()) : null;
            if (saved != null) {
                listeners.forEach(l -> l.onCheckpoint(run.get(), saved));
            }
            if (stopping) {
                LOG.info(
                        "stopped after step {} on request ({})",
                        state.step(),
                        stop.requested() ? stop.reason() : "another rank's request");
                listeners.forEach(l -> l.onStop(run.get(), saved));
                return state;
            }
        }
        listeners.forEach(l -> l.onEnd(run.get()));
        return state;
    }
}
