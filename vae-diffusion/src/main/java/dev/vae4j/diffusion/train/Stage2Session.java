package dev.vae4j.diffusion.train;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.diffusion.pipeline.SchedulerConfig;
import dev.vae4j.train.CheckpointStore;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingState;
import dev.vae4j.train.cache.CacheFingerprint;
import dev.vae4j.train.cache.LatentDataset;
import dev.vae4j.train.cache.ModelWeightsDigest;
import dev.vae4j.train.dist.DataParallel;
import dev.vae4j.train.listeners.MetricsLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Stage2Recipe} run on a latent cache: the denoiser built for the cache's latent shape and class count (the
 * class names' count, or the largest label + 1), the objective, the latents as the recipe takes them
 * ({@link CachedLatents}), and a {@link DenoiserTrainer} writing {@code <run>/recipe.yaml}, the
 * {@link Stage2LatentSpace} ({@code latent-space.json}), {@code metrics.jsonl}, checkpoints and, for a DiT, the final
 * diffusers folder (not when its latents are normalised in a way {@code DiTPipeline} does not undo: channel statistics,
 * a shift factor). A run folder that already holds checkpoints continues from the latest. The denoiser's initial
 * weights are drawn right after {@code torch.manual_seed(train.seed)}, so equal recipes start from equal weights
 * whatever the process did before.
 */
public final class Stage2Session {
    private static final Logger LOG = LoggerFactory.getLogger(Stage2Session.class);
    /** The recipe file a run folder keeps. */
    public static final String RECIPE_FILE = "recipe.yaml";

    private Stage2Session() {}

    /**
     * Trains {@code recipe} on the cache in {@code cacheFolder} into {@code runDir}.
     *
     * @param autoencoderFolder the autoencoder that encoded the cache, written into a DiT's {@code DiTPipeline} folder
     *     (null: the transformer folder alone)
     * @param parallel the data-parallel job ({@link DataParallel#none()} alone)
     * @param stop ends the run early, with a checkpoint
     * @param listeners more listeners (progress); the metrics log is added on rank 0
     * @return the final counters
     * @throws IllegalArgumentException if the cache cannot be read, was encoded by other weights than
     *     {@code autoencoderFolder}'s, or does not fit the recipe (see {@link DenoiserTrainer#train})
     * @throws FileAccessException if the run folder cannot be written
     */
    public static TrainingState train(
            Stage2Recipe recipe,
            Path cacheFolder,
            Path runDir,
            Path autoencoderFolder,
            DataParallel parallel,
            StopRequest stop,
            List<TrainingListener> listeners) {
        AutoencoderKL autoencoder =
                autoencoderFolder == null ? null : encodingAutoencoder(cacheFolder, autoencoderFolder);
        try (LatentDataset cache = LatentDataset.open(cacheFolder)) {
            CachedLatents source = new CachedLatents(
                    cache,
                    recipe.data().norm(),
                    recipe.data().mode(),
                    recipe.train().seed());
            // Fresh weights come from libtorch's global generator: seed it, so that a run's initial weights depend on
            // its recipe's seed alone (not on what the process drew before, such as an autoencoder's initialisation).
            torch.manual_seed(recipe.train().seed());
            Stage2Network network = Stage2Network.create(recipe, source);
            List<TrainingListener> all = new ArrayList<>(listeners);
            if (parallel.context().writer()) {
                createFolder(runDir);
                AtomicFiles.writeString(runDir.resolve(RECIPE_FILE), recipe.toYaml());
                Stage2LatentSpace.of(recipe, cache, source, cacheFolder).write(runDir);
                all.add(new MetricsLog(runDir));
            }
            Optional<Path> latest = CheckpointStore.latest(runDir);
            DenoiserTrainer.Builder builder =
                    DenoiserTrainer.builder(network, recipe.objective().create(), recipe.train(), runDir);
            SchedulerConfig scheduler = recipe.objective().scheduler();
            if (autoencoder != null && scheduler != null) {
                String unfit = pipelineUnfit(recipe, autoencoder);
                if (unfit == null) {
                    builder.pipeline(autoencoder, scheduler);
                } else {
                    LOG.warn(
                            "this run writes no DiTPipeline folder: {}; sample it with vae sample --model {} --vae {}",
                            unfit,
                            runDir,
                            autoencoderFolder);
                }
            }
            DenoiserTrainer trainer = builder.classDropout(recipe.data().classDropout())
                    .parallel(parallel)
                    .stopOn(stop)
                    .build();
            latest.ifPresent(trainer::resume);
            return trainer.train(source, all);
        }
    }

    /**
     * Why diffusers' {@code DiTPipeline}, which decodes {@code latents / scaling_factor}, would decode this run's
     * latents wrongly (per-channel statistics, or a shift factor it does not add back), or null when it decodes them
     * right.
     */
    private static String pipelineUnfit(Stage2Recipe recipe, AutoencoderKL autoencoder) {
        if (recipe.data().norm() != LatentNorm.VAE_SCALING) {
            return "its latents are normalised with the cache's channel statistics, which DiTPipeline does not undo";
        }
        double shift = autoencoder.latentNormalizer().shift();
        if (shift != 0) {
            return "the autoencoder's shift factor " + shift + " is not added back by DiTPipeline";
        }
        return null;
    }

    /**
     * The AutoencoderKL in {@code folder}, after checking that its weights are those that encoded the cache (when the
     * cache's fingerprint records them).
     */
    private static AutoencoderKL encodingAutoencoder(Path cacheFolder, Path folder) {
        CacheFingerprint fingerprint = CacheFingerprint.read(cacheFolder);
        ModelWeightsDigest.requireEncodedBy(
                fingerprint == null ? null : fingerprint.modelWeights(),
                folder,
                "the latent cache " + cacheFolder,
                "the autoencoder " + folder);
        return AutoencoderKL.fromPretrained(folder);
    }

    private static void createFolder(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new FileAccessException("cannot create run folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The cache's class count: its class names', else its largest label + 1, else 0 (no labels). */
    static int classCount(LatentSource source) {
        if (!source.classNames().isEmpty()) {
            return source.classNames().size();
        }
        long[] labels = source.labels();
        return labels == null ? 0 : (int) Arrays.stream(labels).max().orElse(-1) + 1;
    }

    /** Whether {@code runDir} is a stage-2 run folder (it holds a stage-2 recipe). */
    public static boolean isRun(Path runDir) {
        Path recipe = runDir.resolve(RECIPE_FILE);
        return Files.isRegularFile(recipe) && Stage2Recipe.isStage2(recipe.toString());
    }
}
