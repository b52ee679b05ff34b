package dev.vae4j.eval;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.train.Stage2Recipe;
import dev.vae4j.diffusion.train.Stage2Session;
import dev.vae4j.eval.fid.FidInceptionV3;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingState;
import dev.vae4j.train.cache.CacheLabels;
import dev.vae4j.train.cache.LatentCacheOptions;
import dev.vae4j.train.cache.LatentCacheWriter;
import dev.vae4j.train.cache.ModelWeightsDigest;
import dev.vae4j.train.data.ImageDataset;
import dev.vae4j.train.data.ImageSource;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.DataParallel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.pytorch.InferenceMode;

/**
 * Are an autoencoder's latents good for diffusion? The comparison tokenizer papers report, in one call: for each
 * autoencoder, its reconstruction (PSNR, and rFID with the FID Inception weights, by {@link ReconstructionEvaluator})
 * next to the generation of the same stage-2 recipe trained with the same seed on its latents (latent Frechet distance,
 * and gFID with the Inception weights, by an {@link OnlineGenerationEvaluation} after the last step) and a sample grid.
 *
 * <p>Autoencoder i works in {@code <work>/<i>-<folder name>/}: its labelled latent cache {@code cache/} and its stage-2
 * run {@code run/} (grid {@code run/samples/generation-NNNNNNNN.png}). Runs on the CPU in one process. A comparison
 * stopped on a {@link StopRequest} continues where it stopped when called again with the same arguments and work
 * folder, and ends as an uninterrupted one.
 */
public final class Diffusability {
    private final Stage2Recipe recipe;
    private final Path work;
    private final Path inception;
    private final int samplesPerClass;
    private final int samplerSteps;

    /**
     * The images compared on: the labelled inputs the latent caches are made of and the same images as an
     * {@link ImageDataset} for the reconstruction metrics.
     *
     * @param source the inputs, in a fixed order
     * @param labels their class labels (not {@link CacheLabels#none()}: the recipe generates per class)
     * @param images the images for reconstruction (centre-cropped squares)
     * @param resolution the square side the images are cropped and encoded at, px
     */
    public record Data(ImageSource source, CacheLabels labels, ImageDataset images, int resolution) {
        /** Checks the parts. */
        public Data {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(labels, "labels");
            Objects.requireNonNull(images, "images");
            if (resolution < 8) {
                throw new IllegalArgumentException("the resolution must be at least 8 px, got " + resolution);
            }
        }
    }

    /**
     * One autoencoder's line of the comparison.
     *
     * @param autoencoder its folder
     * @param psnr mean reconstruction PSNR, dB
     * @param rfid reconstruction FID, or NaN without Inception weights
     * @param latentFd latent Frechet distance of the generated latents to the cache's
     * @param gfid generation FID, or NaN without Inception weights
     * @param grid the sample grid (PNG: a row per class)
     * @param run the stage-2 run folder
     */
    public record Row(Path autoencoder, double psnr, double rfid, double latentFd, double gfid, Path grid, Path run) {}

    /**
     * A comparison training {@code recipe} (its steps, seed and all) in {@code work}.
     *
     * @param inception FID Inception weights ({@code vae convert}'s file), or null for PSNR and latent FD alone
     * @param samplesPerClass samples generated per class for the scores
     * @param samplerSteps steps of the recipe's sampler
     * @throws IllegalArgumentException if a count is below 1
     */
    public Diffusability(Stage2Recipe recipe, Path work, Path inception, int samplesPerClass, int samplerSteps) {
        if (samplesPerClass < 1 || samplerSteps < 1) {
            throw new IllegalArgumentException("samples per class and sampler steps must be at least 1, got "
                    + samplesPerClass + " and " + samplerSteps);
        }
        this.recipe = Objects.requireNonNull(recipe, "recipe");
        this.work = Objects.requireNonNull(work, "work");
        this.inception = inception;
        this.samplesPerClass = samplesPerClass;
        this.samplerSteps = samplerSteps;
    }

    /**
     * Caches, evaluates and trains on each autoencoder in turn, without stopping early.
     *
     * @throws IllegalArgumentException as {@link #run(List, Data, StopRequest, List)}
     */
    public List<Row> run(List<Path> autoencoders, Data data) {
        return run(autoencoders, data, new StopRequest(), List.of());
    }

    /**
     * Caches, evaluates and trains on each autoencoder in turn, continuing what an earlier call with the same arguments
     * left in the work folder: finished cache shards are kept, a stage-2 run continues from its latest checkpoint and a
     * finished one is only scored again.
     *
     * @param stop ends the comparison early: the cache shard being written is dropped, the run being trained stops
     *     after its current step with a checkpoint
     * @param listeners more listeners of every stage-2 run (e.g. progress)
     * @return a row per autoencoder finished, in order: fewer rows than autoencoders when stopped
     * @throws IllegalArgumentException before any work if fewer than one autoencoder is given or the data has no
     *     labels; later, as the parts throw it (an autoencoder folder that does not load, a recipe that does not fit, a
     *     work folder holding a cache made from other inputs)
     */
    public List<Row> run(List<Path> autoencoders, Data data, StopRequest stop, List<TrainingListener> listeners) {
        if (autoencoders.isEmpty()) {
            throw new IllegalArgumentException("diffusability compares autoencoders: give at least one");
        }
        if (!data.labels().present()) {
            throw new IllegalArgumentException("diffusability trains a class-conditional recipe: the images need"
                    + " labels (class sub-folders or the built-in synthetic images)");
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < autoencoders.size(); i++) {
            Path folder = autoencoders.get(i);
            Path dir =
                    work.resolve(i + "-" + folder.toAbsolutePath().normalize().getFileName());
            Row row = compare(folder, dir, data, stop, listeners);
            if (row == null) {
                break;
            }
            rows.add(row);
        }
        return rows;
    }

    /** The row of the autoencoder in {@code folder}, or null when {@code stop} ended its part early. */
    private Row compare(Path folder, Path dir, Data data, StopRequest stop, List<TrainingListener> listeners) {
        AutoencoderKL autoencoder = AutoencoderKL.fromPretrained(folder);
        autoencoder.module().eval();
        Path cache = dir.resolve("cache");
        try (InferenceMode noGrad = new InferenceMode();
                TensorScope scope = new TensorScope()) {
            new LatentCacheWriter(
                            autoencoder,
                            data.source(),
                            cache,
                            new LatentCacheOptions(data.resolution(), null, 256, false, 8, 1, data.labels()),
                            null,
                            ModelWeightsDigest.of(folder))
                    .write(0, 1, true, (done, total) -> {}, stop);
        }
        if (stop.requested()) {
            return null;
        }
        Map<String, Double> reconstruction;
        ReconstructionEvaluator.Builder metrics = ReconstructionEvaluator.builder();
        if (inception != null) {
            metrics.inception(inception);
        }
        try (ReconstructionEvaluator evaluator = metrics.build()) {
            reconstruction = evaluator
                    .evaluate(
                            autoencoder,
                            data.images(),
                            EvaluationOptions.defaults().withBatchSize(8))
                    .summary();
        }
        Path run = dir.resolve("run");
        OnlineGenerationEvaluation generation = new OnlineGenerationEvaluation(
                recipe,
                cache,
                new OnlineGenerationEvaluation.Settings(
                        Long.MAX_VALUE,
                        samplesPerClass,
                        samplerSteps,
                        1.0,
                        recipe.train().seed(),
                        32),
                autoencoder,
                inception == null ? null : FidInceptionV3.fromSafetensors(inception),
                Collectives.single());
        List<TrainingListener> all = new ArrayList<>(listeners);
        all.add(generation);
        TrainingState state = Stage2Session.train(recipe, cache, run, folder, DataParallel.none(), stop, all);
        if (state.step() < recipe.train().steps()) {
            return null;
        }
        OnlineGenerationEvaluation.Record last =
                generation.history().get(generation.history().size() - 1);
        return new Row(
                folder,
                reconstruction.get("psnr"),
                reconstruction.getOrDefault("rfid", Double.NaN),
                last.scores().latentFrechetDistance(),
                last.scores().fid(),
                OnlineGenerationEvaluation.gridFile(run, last.step()),
                run);
    }
}
