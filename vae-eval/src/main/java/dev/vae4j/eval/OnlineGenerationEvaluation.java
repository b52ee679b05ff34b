package dev.vae4j.eval;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.diffusion.sampling.ClassifierFreeGuidance;
import dev.vae4j.diffusion.train.CachedLatents;
import dev.vae4j.diffusion.train.Stage2Network;
import dev.vae4j.diffusion.train.Stage2Recipe;
import dev.vae4j.diffusion.train.Stage2Samplers;
import dev.vae4j.eval.fid.FidInceptionV3;
import dev.vae4j.train.StepReport;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingRun;
import dev.vae4j.train.cache.LatentDataset;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.listeners.MetricsLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online evaluation of a stage-2 run, as MAE-DiT's stage-2 trainer evaluates while it trains: every {@code every} steps
 * and after the last step (unless just evaluated), the run's EMA denoiser generates K samples per class with the
 * recipe's deterministic sampler ({@link Stage2Samplers}) and a {@link GenerationEvaluator} scores them against the
 * latent cache the run trains on: the latent Frechet distance always, gFID when an autoencoder and the FID Inception
 * network are given (reference statistics cached in {@code <run>/eval/generation-reference-stats.safetensors}). Each
 * evaluation is appended to the metrics log as {@code {"kind":"generation","step":..,"latent_fd":..[,"gfid":..]}} and
 * kept in {@link #history()}; given the autoencoder, a {@link ClassSampleGrid} of up to 8 samples per class (with the
 * same guidance) is written to {@link #gridFile}.
 *
 * <p>Samples are seeded by (seed, sample index) alone, so every evaluation of a run generates from the same noise. In a
 * data-parallel job every rank has this listener with the job's {@link Collectives}; rank 0 alone logs.
 */
public final class OnlineGenerationEvaluation implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(OnlineGenerationEvaluation.class);
    /** Name of the cached gFID reference statistics inside the run's {@code eval/} folder. */
    public static final String REFERENCE_STATS = "generation-reference-stats.safetensors";

    private final Stage2Recipe recipe;
    private final Path cacheFolder;
    private final Settings settings;
    private final Stage2Network network;
    private final UnaryOperator<Tensor> toCacheSpace;
    private final Autoencoder autoencoder;
    private final FidInceptionV3 inception;
    private final long[] latentShape;
    private final ClassSampleGrid grid;
    private final Collectives collectives;
    private final List<Record> history = new ArrayList<>();
    private long lastEvaluated = -1;

    /**
     * What an online evaluation does.
     *
     * @param every steps between evaluations (at least 1)
     * @param samplesPerClass K, samples generated per class (at least 1)
     * @param samplerSteps steps of the sampler
     * @param guidanceScale classifier-free guidance scale (1: none)
     * @param seed seed of the initial noise
     * @param batchSize samples generated at once
     */
    public record Settings(
            long every, int samplesPerClass, int samplerSteps, double guidanceScale, long seed, int batchSize) {
        /** Checks the counts. */
        public Settings {
            if (every < 1 || samplesPerClass < 1 || samplerSteps < 1 || batchSize < 1) {
                throw new IllegalArgumentException("online evaluation needs every, samples per class, sampler steps"
                        + " and batch size >= 1, got " + every + ", " + samplesPerClass + ", " + samplerSteps + ", "
                        + batchSize);
            }
        }
    }

    /**
     * One evaluation.
     *
     * @param step the training step evaluated
     * @param scores what the evaluator measured
     */
    public record Record(long step, GenerationScores scores) {}

    /**
     * An evaluation of the run of {@code recipe} on the latent cache in {@code cacheFolder}.
     *
     * @param autoencoder the autoencoder that encoded the cache, for sample grids and gFID (null: latent FD alone)
     * @param inception the FID Inception network for gFID (null: no gFID)
     * @param collectives the ranks sharing each evaluation ({@link Collectives#single()} for one process)
     * @throws IllegalArgumentException before any training when the recipe keeps no EMA, the cache has no labels (the
     *     samples are generated per class), the recipe's sampler cannot be made, or the inception network comes without
     *     an autoencoder
     */
    public OnlineGenerationEvaluation(
            Stage2Recipe recipe,
            Path cacheFolder,
            Settings settings,
            Autoencoder autoencoder,
            FidInceptionV3 inception,
            Collectives collectives) {
        this.recipe = Objects.requireNonNull(recipe, "recipe");
        this.cacheFolder = Objects.requireNonNull(cacheFolder, "cacheFolder");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.collectives = Objects.requireNonNull(collectives, "collectives");
        if (inception != null && autoencoder == null) {
            throw new IllegalArgumentException("gFID scores decoded samples: give the autoencoder that encoded the"
                    + " cache with the FID Inception weights");
        }
        if (!(recipe.train().emaDecay() > 0)) {
            throw new IllegalArgumentException(
                    "online evaluation generates with the EMA denoiser, but stage-2 recipe " + recipe.name()
                            + " keeps no EMA (ema_decay " + recipe.train().emaDecay() + ")");
        }
        Stage2Samplers.forObjective(recipe.objective(), settings.samplerSteps());
        this.autoencoder = autoencoder;
        this.inception = inception;
        try (LatentDataset cache = LatentDataset.open(cacheFolder)) {
            if (cache.labels() == null) {
                throw new IllegalArgumentException("online evaluation generates " + settings.samplesPerClass()
                        + " samples per class, but the latent cache " + cacheFolder + " has no labels (encode it with"
                        + " --labels folders, json:KEY or synthetic)");
            }
            CachedLatents source = new CachedLatents(
                    cache,
                    recipe.data().norm(),
                    recipe.data().mode(),
                    recipe.train().seed());
            this.network = Stage2Network.create(recipe, source);
            this.toCacheSpace = source::toCacheSpace;
            this.latentShape = source.latentShape();
            this.grid = autoencoder == null
                    ? null
                    : new ClassSampleGrid(
                            autoencoder,
                            cache.normalizer(),
                            toCacheSpace,
                            new Device(recipe.train().device()));
        }
        network.module().to(new Device(recipe.train().device()), false);
        network.module().train(false);
    }

    @Override
    public void onStep(TrainingRun run, StepReport report) {
        if (report.step() % settings.every() == 0) {
            evaluate(run);
        }
    }

    @Override
    public void onEnd(TrainingRun run) {
        if (run.state().step() != lastEvaluated) {
            evaluate(run);
        }
    }

    /** The evaluations of this listener so far, oldest first. */
    public List<Record> history() {
        return Collections.unmodifiableList(history);
    }

    /** Generates from the run's current EMA weights, scores the samples and records the scores. */
    public GenerationScores evaluate(TrainingRun run) {
        long step = run.state().step();
        lastEvaluated = step;
        run.ema().copyTo(network.module());
        Device device = new Device(run.config().device());
        GenerationEvaluator.Builder builder = GenerationEvaluator.builder(
                        network.denoiser(), Stage2Samplers.forObjective(recipe.objective(), settings.samplerSteps()))
                .samplesPerClass(settings.samplesPerClass())
                .seed(settings.seed())
                .batchSize(settings.batchSize())
                .guidanceScale(settings.guidanceScale())
                .toCacheSpace(toCacheSpace)
                .device(device)
                .collectives(collectives);
        if (inception != null) {
            Path folder = run.runDir().resolve(PeriodicEvaluation.FOLDER);
            if (collectives.context().writer()) {
                createFolder(folder);
            }
            builder.fid(autoencoder, inception, folder.resolve(REFERENCE_STATS));
        }
        GenerationScores scores = builder.build().evaluate(cacheFolder);
        history.add(new Record(step, scores));
        if (grid != null && collectives.context().writer()) {
            grid.write(
                    settings.guidanceScale() != 1
                            ? new ClassifierFreeGuidance(network.denoiser(), settings.guidanceScale())
                            : network.denoiser(),
                    Stage2Samplers.forObjective(recipe.objective(), settings.samplerSteps()),
                    latentShape,
                    Math.min(8, settings.samplesPerClass()),
                    settings.seed(),
                    gridFile(run.runDir(), step));
        }
        if (collectives.context().writer()) {
            new MetricsLog(run.runDir()).append("generation", step, scores.metrics());
            LOG.info(String.format(
                    Locale.ROOT,
                    "generation at step %d: latent FD %.4f%s over %d samples (%.1f s)",
                    step,
                    scores.latentFrechetDistance(),
                    Double.isNaN(scores.fid()) ? "" : String.format(Locale.ROOT, ", gFID %.3f", scores.fid()),
                    scores.generated(),
                    scores.seconds()));
        }
        return scores;
    }

    /** The sample grid of the evaluation at {@code step}: {@code <run>/samples/generation-NNNNNNNN.png}. */
    public static Path gridFile(Path runDir, long step) {
        return runDir.resolve("samples").resolve(String.format(Locale.ROOT, "generation-%08d.png", step));
    }

    private static void createFolder(Path folder) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new FileAccessException("cannot create evaluation folder " + folder + ": " + e.getMessage(), e);
        }
    }
}
