package dev.vae4j.diffusion.train;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.createCPUGenerator;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.Autocast;
import dev.vae4j.core.tensor.CudnnBenchmark;
import dev.vae4j.core.tensor.Precision;
import dev.vae4j.diffusion.Denoiser;
import dev.vae4j.diffusion.dit.DiT;
import dev.vae4j.diffusion.objective.TrainingObjective;
import dev.vae4j.diffusion.pipeline.DiTPipeline;
import dev.vae4j.diffusion.pipeline.SchedulerConfig;
import dev.vae4j.train.CheckpointStore;
import dev.vae4j.train.ExponentialMovingAverage;
import dev.vae4j.train.StepReport;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingLoop;
import dev.vae4j.train.TrainingRun;
import dev.vae4j.train.TrainingState;
import dev.vae4j.train.data.EpochOrder;
import dev.vae4j.train.data.ShardedSampler;
import dev.vae4j.train.dist.DataParallel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a stage-2 {@link Denoiser} (a {@link DiT}, the latent UNet) on latents with a {@link TrainingObjective}, on
 * the shared {@link TrainingLoop}: AdamW or Adam and the learning-rate schedule of the {@link TrainConfig} (its
 * {@code generator_optimizer} is the denoiser's), gradient accumulation, clipping, non-finite steps skipped and
 * counted, EMA, bf16 autocast, {@code metrics.jsonl} and other listeners, atomic checkpoints
 * ({@code denoiser.safetensors}, {@code ema.safetensors}, {@code denoiser-optimizer.pt}) with exact resume,
 * {@link StopRequest}s and data-parallel ranks. The config's autoencoder-only settings (decoder-only, GAN updates,
 * fixed variance) do not apply.
 *
 * <p>Each sample is a function of its global data-stream position g alone: the data order is a {@link ShardedSampler}
 * over the {@link LatentSource}, and the sample's diffusion time, noise and class-dropout decision are drawn, in that
 * order, from a CPU generator seeded {@code seed * 1000003 + g} (the objective's {@link TrainingObjective#draw}, then
 * {@code rand(1) < p}). So a resumed run continues exactly like the uninterrupted one, and W ranks of batch B follow
 * one process of batch W * B. Class dropout for classifier-free guidance replaces a dropped sample's label by the null
 * class ({@link Denoiser#predictDroppingLabels}); a DiT then draws no class dropout of its own.
 *
 * <p>At the end of a run that reached its last step, rank 0 writes the EMA weights (the live ones without EMA) of a DiT
 * as a diffusers folder: a {@code DiTPipeline} folder {@code <run>/pipeline/} with the autoencoder and scheduler given
 * to {@link Builder#pipeline} and the class names as {@code id2label}, or the transformer alone in
 * {@code <run>/transformer/} when no autoencoder is given. (A pipeline decodes {@code latents / scaling_factor}: a DiT
 * trained on {@link LatentNorm#CHANNEL_STATS} latents needs its samples de-normalised per channel first.)
 */
public final class DenoiserTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(DenoiserTrainer.class);
    /** The name of the denoiser's checkpoint files. */
    public static final String CHECKPOINT_NAME = "denoiser";
    /** The subfolder of the run where a finished DiT run writes its diffusers DiTPipeline folder. */
    public static final String PIPELINE_FOLDER = "pipeline";

    private final Module module;
    private final Denoiser denoiser;
    private final TrainingObjective objective;
    private final TrainConfig config;
    private final Path runDir;
    private final Device device;
    private final double classDropout;
    private final DataParallel parallel;
    private final AutoencoderKL vae;
    private final SchedulerConfig scheduler;
    private final ExponentialMovingAverage ema;
    private final TrainingLoop loop;
    private final TrainingLoop.Network network;

    /**
     * A trainer of {@code denoiser} with {@code objective}.
     *
     * @param denoiser the model (moved to the configured device, put in training mode)
     * @param objective the training objective
     * @param config loop hyper-parameters
     * @param runDir where checkpoints, metrics and the final model go
     */
    public static <D extends Module & Denoiser> Builder builder(
            D denoiser, TrainingObjective objective, TrainConfig config, Path runDir) {
        return new Builder(denoiser, denoiser, objective, config, runDir);
    }

    /**
     * A trainer of the denoiser of {@code network} (as {@link Stage2Network#create} builds it for a recipe) with
     * {@code objective}; otherwise as {@link #builder(Module, TrainingObjective, TrainConfig, Path)}.
     */
    public static Builder builder(Stage2Network network, TrainingObjective objective, TrainConfig config, Path runDir) {
        return new Builder(network.module(), network.denoiser(), objective, config, runDir);
    }

    /** The parts of a {@link DenoiserTrainer}: the required ones given to {@link #builder}, the optional ones here. */
    public static final class Builder {
        private final Module module;
        private final Denoiser denoiser;
        private final TrainingObjective objective;
        private final TrainConfig config;
        private final Path runDir;
        private double classDropout;
        private DataParallel parallel = DataParallel.none();
        private StopRequest stop = new StopRequest();
        private AutoencoderKL vae;
        private SchedulerConfig scheduler;

        private Builder(
                Module module, Denoiser denoiser, TrainingObjective objective, TrainConfig config, Path runDir) {
            if (module == null || objective == null || config == null || runDir == null) {
                throw new IllegalArgumentException(
                        "a trainer needs a denoiser, an objective, a config and a run folder");
            }
            this.module = module;
            this.denoiser = denoiser;
            this.objective = objective;
            this.config = config;
            this.runDir = runDir;
        }

        /**
         * Replaces each sample's label by the null class with probability {@code p} (classifier-free guidance training;
         * default 0).
         *
         * @throws IllegalArgumentException if p is not in [0, 1)
         */
        public Builder classDropout(double p) {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException("class dropout must be in [0, 1), got " + p);
            }
            this.classDropout = p;
            return this;
        }

        /** Makes the trainer one rank of a data-parallel job ({@code config.batchSize()} is then per rank). */
        public Builder parallel(DataParallel value) {
            if (value == null) {
                throw new IllegalArgumentException("the data-parallel job must not be null");
            }
            this.parallel = value;
            return this;
        }

        /**
         * Lets {@code value} end {@link DenoiserTrainer#train} early, after the step in progress, with a checkpoint.
         */
        public Builder stopOn(StopRequest value) {
            if (value == null) {
                throw new IllegalArgumentException("the stop request must not be null");
            }
            this.stop = value;
            return this;
        }

        /**
         * The autoencoder whose latents the denoiser learns and the sampler settings, written with a finished DiT as a
         * diffusers {@code DiTPipeline} folder.
         */
        public Builder pipeline(AutoencoderKL autoencoder, SchedulerConfig schedulerConfig) {
            if (autoencoder == null || schedulerConfig == null) {
                throw new IllegalArgumentException("a pipeline needs an autoencoder and a scheduler config");
            }
            this.vae = autoencoder;
            this.scheduler = schedulerConfig;
            return this;
        }

        /**
         * The trainer.
         *
         * @throws IllegalArgumentException if the config asks for decoder-only training (an autoencoder setting)
         */
        public DenoiserTrainer build() {
            if (config.decoderOnly()) {
                throw new IllegalArgumentException("decoder_only trains an autoencoder's decoder; a denoiser has none");
            }
            return new DenoiserTrainer(this);
        }
    }

    private DenoiserTrainer(Builder parts) {
        this.module = parts.module;
        this.denoiser = parts.denoiser;
        this.objective = parts.objective;
        this.config = parts.config;
        this.runDir = parts.runDir;
        this.classDropout = parts.classDropout;
        this.parallel = parts.parallel;
        this.vae = parts.vae;
        this.scheduler = parts.scheduler;
        this.device = new Device(config.device());
        module.to(device, false);
        module.train(true);
        List<Tensor> parameters = StateDict.parameters(module);
        parameters.forEach(p -> p.requires_grad_(true));
        ema = config.emaDecay() > 0 ? new ExponentialMovingAverage(module, config.emaDecay(), config.emaStart()) : null;
        loop = new TrainingLoop(config, runDir, module, ema, List.of(), parallel, parts.stop);
        network = loop.network(CHECKPOINT_NAME, parameters, config.generator());
    }

    /** Restores weights, optimizer, EMA and counters from a checkpoint folder; training continues after it. */
    public void resume(Path checkpoint) {
        loop.resume(checkpoint, parts());
    }

    /** The counters after the latest step. */
    public TrainingState state() {
        return loop.state();
    }

    /** The EMA of the denoiser weights, or null. */
    public ExponentialMovingAverage ema() {
        return ema;
    }

    /**
     * Trains until {@link TrainConfig#steps()} on this rank's share of {@code source} (every rank passes the same
     * source); then, on rank 0 and when the run reached its last step in this call, writes the final DiT (see the class
     * comment). Listeners get a {@link TrainingRun} without autoencoder.
     *
     * @return the final counters (short of the steps when a {@link StopRequest} ended the run)
     * @throws IllegalArgumentException before any work when the latents do not fit the denoiser: channels or (DiT)
     *     size, no labels for a class-conditional denoiser, a class id out of range, class dropout without null class
     */
    public TrainingState train(LatentSource source, List<TrainingListener> listeners) {
        TrainingInputs.check(denoiser, source, classDropout);
        long startStep = loop.state().step();
        List<Tensor> extra =
                ema == null ? List.of() : new ArrayList<>(ema.tensors().values());
        parallel.broadcastFromRankZero(List.of(module), extra);
        ShardedSampler sampler = new ShardedSampler(
                source.size(),
                parallel.context().rank(),
                parallel.context().worldSize(),
                config.seed(),
                EpochOrder.shuffled());
        if (module instanceof DiT dit) {
            dit.seedTrainingNoise(config.seed(), startStep * config.gradAccumulation());
        }
        CudnnBenchmark.set(config.device(), config.cudnnBenchmark());
        TrainingState end = loop.train(() -> step(source, sampler), this::run, this::parts, listeners);
        if (end.step() >= config.steps()
                && startStep < config.steps()
                && parallel.context().writer()) {
            writeModel(source.classNames());
        }
        return end;
    }

    /**
     * Where a finished DiT run's diffusers folder is: {@code pipeline/} with an autoencoder, else {@code transformer/}.
     */
    public Path modelFolder() {
        return runDir.resolve(vae != null ? PIPELINE_FOLDER : DiT.PIPELINE_SUBFOLDER);
    }

    private TrainingRun run() {
        return new TrainingRun(null, null, ema, config, runDir, loop.state(), 0);
    }

    private CheckpointStore.Parts parts() {
        return CheckpointStore.Parts.of(CHECKPOINT_NAME, module, ema, network.optimizer());
    }

    private StepReport step(LatentSource source, ShardedSampler sampler) {
        return loop.step(List.of(network), (first, share, sums) -> {
            Tensor loss = microBatchLoss(source, sampler, first);
            loss.mul(new Scalar(share)).backward();
            sums.log(Map.of("loss", loss), share);
            sums.check("denoiser loss", loss);
        });
    }

    /** The objective's loss (0-d float32) on this rank's micro-batch whose samples start at global position first. */
    private Tensor microBatchLoss(LatentSource source, ShardedSampler sampler, long first) {
        int batch = config.batchSize();
        int epochLength = sampler.epochLength();
        int[] indices = new int[batch];
        long[] positions = new long[batch];
        for (int k = 0; k < batch; k++) {
            positions[k] = sampler.position(first, k);
            indices[k] = sampler.order(positions[k] / epochLength)[(int) (positions[k] % epochLength)];
        }
        LatentSource.Batch data = source.load(indices, positions, config.device());
        Tensor x0 = data.latents();
        Tensor labels = denoiser.numClasses() > 0 ? data.labels() : null;
        TensorVector times = new TensorVector();
        TensorVector noise = new TensorVector();
        TensorVector uniforms = new TensorVector();
        for (int j = 0; j < batch; j++) {
            Generator generator = createCPUGenerator(config.seed() * 1_000_003L + positions[j]);
            TrainingObjective.Draw draw = objective.draw(x0.narrow(0, j, 1), generator);
            times.push_back(draw.times());
            noise.push_back(draw.noise());
            uniforms.push_back(
                    torch.rand(new long[] {1}, new GeneratorOptional(generator), new TensorOptions(ScalarType.Float)));
        }
        Denoiser model = denoiser;
        if (labels != null && denoiser.dropsLabelsPerSample()) {
            Tensor dropped = cat(uniforms).lt(new Scalar(classDropout)).to(device, ScalarType.Long);
            model = new DroppedLabels(denoiser, dropped);
        }
        try (Autocast autocast =
                new Autocast(device.type(), ScalarType.BFloat16, config.precision() == Precision.BF16)) {
            return objective
                    .compute(model, x0, labels, cat(times), cat(noise))
                    .loss()
                    .to(ScalarType.Float);
        }
    }

    /** Writes the final DiT (EMA weights when there is an EMA) as a diffusers folder; other denoisers write none. */
    private void writeModel(List<String> classNames) {
        if (!(module instanceof DiT dit)) {
            return;
        }
        DiT exported = new DiT(dit.config());
        if (ema != null) {
            ema.copyTo(exported);
        } else {
            StateDict.load(exported, dev.vae4j.core.io.TensorSource.of(StateDict.of(dit)), true, "trained weights");
        }
        Path folder = modelFolder();
        if (vae == null) {
            exported.save(folder);
        } else {
            Map<Integer, String> id2label = new TreeMap<>();
            for (int i = 0; i < classNames.size(); i++) {
                id2label.put(i, classNames.get(i));
            }
            new DiTPipeline(exported, vae, scheduler, id2label).save(folder);
        }
        LOG.info("wrote the trained DiT to {}", folder);
    }
}
