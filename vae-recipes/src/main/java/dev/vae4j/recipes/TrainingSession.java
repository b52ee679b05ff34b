package dev.vae4j.recipes;

import dev.vae4j.core.io.FolderLock;
import dev.vae4j.core.io.LoadReport;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.io.torch.CheckpointFiles;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.model.ModelFolder;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.discriminators.DiscriminatorPresets;
import dev.vae4j.discriminators.PatchGanConfig;
import dev.vae4j.discriminators.PatchGanDiscriminator;
import dev.vae4j.discriminators.VggDiscriminator;
import dev.vae4j.losses.Lpips;
import dev.vae4j.train.CheckpointStore;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.Trainer;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingState;
import dev.vae4j.train.dist.DataParallel;
import dev.vae4j.train.listeners.ImageMetric;
import dev.vae4j.train.listeners.MetricsLog;
import dev.vae4j.train.listeners.SampleGrid;
import dev.vae4j.train.listeners.Validation;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One {@code vae train} run assembled from a recipe: model (fresh, {@code --init-from} weights, or resumed),
 * discriminator, objective, data and listeners; trains, then exports the final model as diffusers folders
 * ({@code <run>/model} and, with EMA, {@code <run>/model-ema}). In a data-parallel job every rank runs the session with
 * the same arguments (the run folder must be shared by the ranks of all nodes); rank 0 alone prepares the run folder,
 * logs, validates, draws and exports, the other ranks only train.
 *
 * @param recipe the resolved recipe (written to {@code <run>/recipe.yaml})
 * @param runDir the run folder
 * @param dataFolder image folder, or null for the synthetic dataset
 * @param initFrom weights to start from (diffusers folder, checkpoint folder or weights file), or null
 * @param resume whether to continue the run's latest checkpoint
 * @param overwrite whether a finished or abandoned run already in {@code runDir} may be replaced (see
 *     {@link RunFolder#prepare})
 * @param lpipsWeights LPIPS safetensors, or null
 * @param parallel the data-parallel job this process belongs to ({@link DataParallel#none()} when alone)
 * @param stop ends the run early, after a checkpoint of the step in progress ({@link Trainer.Builder#stopOn}); the
 *     final model is then not exported
 */
public record TrainingSession(
        Recipe recipe,
        Path runDir,
        Path dataFolder,
        Path initFrom,
        boolean resume,
        boolean overwrite,
        Path lpipsWeights,
        DataParallel parallel,
        StopRequest stop) {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrainingSession.class);

    /**
     * What a run reports: on rank 0 the validations, the exported model folders (null when the run stopped early) and
     * the skipped files; on other ranks only the counters.
     *
     * @param stopCheckpoint the checkpoint written when the run stopped early on the stop request, else null
     */
    public record Outcome(
            TrainingState state,
            List<Map<String, Double>> validations,
            Path model,
            Path emaModel,
            long skippedFiles,
            Path stopCheckpoint) {}

    /**
     * Runs the session, drawing progress on {@code console} (rank 0), which holds the run folder ({@link FolderLock})
     * until it ends.
     */
    public Outcome run(PrintStream console) {
        recipe.model().requireTeacherIfNeeded(); // before the claim creates the run folder
        try (FolderLock claim = parallel.context().writer() ? FolderLock.acquire(runDir, "vae train") : null) {
            return runClaimed(console);
        }
    }

    private Outcome runClaimed(PrintStream console) {
        boolean writer = parallel.context().writer();
        if (writer) {
            prepareRunFolder();
        }
        parallel.collectives().barrier();
        // Fresh weights (model, discriminator) come from libtorch's global generator: seed it for reproducible runs.
        org.bytedeco.pytorch.global.torch.manual_seed(recipe.train().seed());
        TrainableAutoencoder model =
                recipe.model().distilled(trainableModel(), recipe.train().device());
        Discriminator discriminator = discriminator(recipe, model.outputChannels(), lpipsWeights);
        ObjectiveFactory.Objectives objectives = ObjectiveFactory.create(recipe, lpipsWeights);
        TrainConfig config = recipe.train();
        Trainer.Builder parts = Trainer.builder(model, objectives.generator(), config, runDir)
                .parallel(parallel)
                .stopOn(stop);
        if (discriminator != null) {
            parts.adversary(discriminator, objectives.discriminator());
        }
        Trainer trainer = parts.build();
        MetricsLog log = new MetricsLog(runDir);
        if (resume) {
            trainer.resume(CheckpointStore.latest(runDir)
                    .orElseThrow(() -> new IllegalArgumentException(
                            "nothing to resume: " + runDir + " has no complete checkpoint")));
            if (writer) {
                log.truncateAfter(trainer.state().step());
            }
        }
        TrainingData data = TrainingData.of(recipe, dataFolder);
        List<TrainingListener> listeners = new ArrayList<>();
        if (recipe.evaluation() != null) {
            listeners.add(recipe.evaluation()
                    .listener(
                            model,
                            recipe.data().imageSize(),
                            config.batchSize(),
                            lpipsWeights,
                            log,
                            parallel.collectives()));
        }
        if (!writer) {
            return new Outcome(trainer.train(data.train(), listeners), List.of(), null, null, 0, null);
        }
        console.println("vae train: recipe " + recipe.name() + ", data " + data.source() + ", run " + runDir
                + (parallel.context().distributed()
                        ? ", " + parallel.context().worldSize() + " ranks ("
                                + parallel.context().backend() + "), global batch "
                                + recipe.train().batchSize()
                                        * parallel.context().worldSize()
                        : ""));
        console.printf(
                Locale.ROOT,
                "model: %s, %,d parameters, discriminator: %s%n",
                model.getClass().getSimpleName(),
                StateDict.parameterCount(model.module()),
                discriminator == null
                        ? "none"
                        : String.format(
                                Locale.ROOT, "%,d parameters", StateDict.parameterCount(discriminator.module())));
        long every = recipe.validation().every();
        Validation validation = new Validation(data.validation(), every, extraMetrics(objectives.lpips()), log);
        listeners.addAll(List.of(
                new ConsoleProgress(console),
                log,
                validation,
                new SampleGrid(
                        data.validation()
                                .subList(0, Math.min(8, data.validation().size())),
                        every),
                new LossPlot(every)));
        long[] skippedFiles = {0};
        Path[] stopCheckpoint = {null};
        listeners.add(new TrainingListener() {
            @Override
            public void onEnd(dev.vae4j.train.TrainingRun run) {
                skippedFiles[0] = run.skippedFiles();
            }

            @Override
            public void onStop(dev.vae4j.train.TrainingRun run, Path checkpoint) {
                skippedFiles[0] = run.skippedFiles();
                stopCheckpoint[0] = checkpoint;
            }
        });
        TrainingState state = trainer.train(data.train(), listeners);
        if (stopCheckpoint[0] != null) {
            return new Outcome(
                    state, validation.history(), null, null, skippedFiles[0] + data.skippedFiles(), stopCheckpoint[0]);
        }
        Path exported = runDir.resolve("model");
        export(model, config, exported);
        Path emaExport = null;
        if (trainer.ema() != null) {
            // Training is over: the live weights can take the average for the export.
            trainer.ema().copyTo(model.module());
            emaExport = runDir.resolve("model-ema");
            export(model, config, emaExport);
        }
        return new Outcome(
                state, validation.history(), exported, emaExport, skippedFiles[0] + data.skippedFiles(), null);
    }

    /**
     * Saves the trained model as a diffusers folder. An AutoencoderKL trained with {@code fixed_variance} gets that
     * variance as its posterior's ({@link AutoencoderKL#fixPosteriorVariance}): its log-variance outputs were never
     * trained, and a latent cache or diffusers' {@code latent_dist.sample()} would otherwise draw from them. (A
     * posterior of means alone, or weight-standardised moments, is saved as it is.)
     */
    private static void export(TrainableAutoencoder model, TrainConfig config, Path folder) {
        if (config.fixedVariance() > 0 && model instanceof AutoencoderKL kl && kl.posteriorVarianceFixable()) {
            kl.fixPosteriorVariance(config.fixedVariance());
        }
        model.save(folder);
    }

    private void prepareRunFolder() {
        RunFolder.prepare(runDir, resume, overwrite);
        RunFingerprint.of(recipe, dataFolder).checkOrRecord(runDir, resume);
        recipe.write(runDir.resolve("recipe.yaml"));
    }

    /**
     * The recipe's model: fresh, or with the weights of {@code --init-from} — a model folder (any format), a run folder
     * (its newest checkpoint), a checkpoint folder, or a weights file (for AutoencoderKL also LDM-named).
     */
    private TrainableAutoencoder trainableModel() {
        TrainableAutoencoder model = buildModel();
        boolean codebookTerms = recipe.objective() instanceof ObjectiveSpec.VqGan;
        if (model.quantizer().isPresent() && !codebookTerms) {
            throw new IllegalArgumentException("recipe " + recipe.name() + ": the model is a VQ model, and a "
                    + recipe.objective().typeName() + " objective has no codebook and commitment terms; use objective"
                    + " type " + ObjectiveSpec.VQ_GAN);
        }
        if (model.quantizer().isEmpty() && codebookTerms) {
            throw new IllegalArgumentException("recipe " + recipe.name() + ": objective type " + ObjectiveSpec.VQ_GAN
                    + " trains VQ models, and the model has continuous latents");
        }
        return model;
    }

    private TrainableAutoencoder buildModel() {
        if (initFrom == null) {
            if (recipe.model().requiresPretrained() && !resume) {
                throw new IllegalArgumentException("recipe " + recipe.name() + " fine-tunes a pretrained VAE: give "
                        + "its model folder with --init-from DIR");
            }
            return recipe.model().build();
        }
        if (ModelFolder.find(initFrom).isPresent()) {
            return Autoencoders.load(initFrom);
        }
        TrainableAutoencoder model = recipe.model().build();
        Path weights = CheckpointStore.latest(initFrom).orElse(initFrom);
        if (Files.isDirectory(weights)) {
            weights = weights.resolve("autoencoder.safetensors");
        }
        if (model instanceof AutoencoderKL kl) {
            kl.loadWeights(weights, true);
        } else {
            try (CheckpointFiles.Opened source = CheckpointFiles.open(weights)) {
                StateDict.load(model.module(), source, true, weights.toString());
            }
        }
        return model;
    }

    /**
     * The recipe's discriminator for images of {@code channels} channels (null when it has none), freshly initialised
     * from the recipe's seed; a VGG discriminator takes its trunk from the LPIPS file when given.
     */
    static Discriminator discriminator(Recipe recipe, int channels, Path lpipsWeights) {
        Recipe.DiscriminatorSpec spec = recipe.discriminator();
        if (spec == null || spec.type() == null || spec.type().equalsIgnoreCase("none")) {
            return null;
        }
        if (spec.type().equalsIgnoreCase("patchgan") && spec.ndf() > 0) {
            return new PatchGanDiscriminator(
                    new PatchGanConfig(channels, spec.ndf(), spec.layers(), spec.actNorm()),
                    recipe.train().seed());
        }
        Discriminator discriminator = DiscriminatorPresets.create(
                spec.type().toLowerCase(Locale.ROOT), recipe.train().seed());
        if (discriminator instanceof VggDiscriminator && lpipsWeights != null) {
            // The LPIPS file carries torchvision's pretrained VGG16 'features.*': the trunk cloneofsimo/vqgan-training
            // starts from.
            try (SafetensorsReader reader = SafetensorsReader.open(lpipsWeights)) {
                LoadReport report =
                        StateDict.load(discriminator.module(), TensorSource.of(reader), false, lpipsWeights.toString());
                LOG.info("VGG discriminator trunk: {} tensors from {}", report.loaded(), lpipsWeights);
            }
        }
        return discriminator;
    }

    private static Map<String, ImageMetric> extraMetrics(Lpips lpips) {
        if (lpips == null) {
            return Map.of();
        }
        Device device = lpips.parameters().get(0).device(); // the training device; validation pairs are on the CPU
        return Map.of(
                "lpips",
                (reference, test) -> lpips.forward(
                                reference.to(device, ScalarType.Float), test.to(device, ScalarType.Float))
                        .mean()
                        .item_double());
    }
}
