package dev.vae4j.diffusion.train;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.diffusion.dit.DiT;
import dev.vae4j.diffusion.pipeline.SchedulerConfig;
import dev.vae4j.diffusion.unet.LatentUNet;
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

/**
 * A {@link Stage2Recipe} run on a latent cache: the denoiser built for the cache's latent shape and class count (the
 * class names' count, or the largest label + 1), the objective, the latents as the recipe takes them
 * ({@link CachedLatents}), and a {@link DenoiserTrainer} writing {@code <run>/recipe.yaml}, the
 * {@link Stage2LatentSpace} ({@code latent-space.json}), {@code metrics.jsonl}, checkpoints and, for a DiT, the final
 * diffusers folder. A run folder that already holds checkpoints continues from the latest.
 */
public final class Stage2Session {
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
            long[] shape = source.latentShape();
            if (shape[1] != shape[2]) {
                throw new IllegalArgumentException(
                        "stage-2 denoisers take square latents; the cache's are " + shape[1] + "x" + shape[2]);
            }
            int channels = (int) shape[0];
            int size = (int) shape[1];
            int classes = classCount(source);
            List<TrainingListener> all = new ArrayList<>(listeners);
            if (parallel.context().writer()) {
                createFolder(runDir);
                AtomicFiles.writeString(runDir.resolve(RECIPE_FILE), recipe.toYaml());
                Stage2LatentSpace.of(recipe, cache, source, cacheFolder).write(runDir);
                all.add(new MetricsLog(runDir));
            }
            Optional<Path> latest = CheckpointStore.latest(runDir);
            DenoiserTrainer.Builder builder = recipe.denoiser().dit() != null
                    ? DenoiserTrainer.builder(
                            new DiT(recipe.denoiser().dit().config(channels, size, Math.max(1, classes))),
                            recipe.objective().create(),
                            recipe.train(),
                            runDir)
                    : DenoiserTrainer.builder(
                            new LatentUNet(recipe.denoiser().latentUnet().config(channels, size, classes)),
                            recipe.objective().create(),
                            recipe.train(),
                            runDir);
            SchedulerConfig scheduler = recipe.objective().scheduler();
            if (autoencoder != null && scheduler != null) {
                builder.pipeline(autoencoder, scheduler);
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
     * The AutoencoderKL in {@code folder}, after checking that its weights are those that encoded the cache (when the
     * cache's fingerprint records them).
     */
    private static AutoencoderKL encodingAutoencoder(Path cacheFolder, Path folder) {
        CacheFingerprint fingerprint = CacheFingerprint.read(cacheFolder);
        if (fingerprint != null && fingerprint.modelWeights() != null) {
            String digest = ModelWeightsDigest.of(folder);
            if (!digest.equals(fingerprint.modelWeights())) {
                throw new IllegalArgumentException("the latent cache " + cacheFolder + " was encoded by other weights"
                        + " (sha256 " + fingerprint.modelWeights().substring(0, 12) + ") than the autoencoder "
                        + folder + " (sha256 " + digest.substring(0, 12) + "): give the autoencoder that encoded it");
            }
        }
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
