package dev.vae4j.examples.train;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.train.CheckpointStore;
import dev.vae4j.core.train.TrainConfig;
import dev.vae4j.core.train.Trainer;
import dev.vae4j.core.train.TrainingListener;
import dev.vae4j.core.train.TrainingState;
import dev.vae4j.core.train.listeners.ImageMetric;
import dev.vae4j.core.train.listeners.MetricsLog;
import dev.vae4j.core.train.listeners.SampleGrid;
import dev.vae4j.core.train.listeners.Validation;
import dev.vae4j.discriminators.DiscriminatorPresets;
import dev.vae4j.discriminators.PatchGanConfig;
import dev.vae4j.discriminators.PatchGanDiscriminator;
import dev.vae4j.losses.Lpips;
import dev.vae4j.losses.VaeGanObjective;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code vae train} run assembled from a recipe: model (fresh, {@code --init-from} weights, or resumed),
 * discriminator, objective, data and listeners; trains, then exports the final model as diffusers folders
 * ({@code <run>/model} and, with EMA, {@code <run>/model-ema}).
 *
 * @param recipe the resolved recipe (written to {@code <run>/recipe.yaml})
 * @param runDir the run folder
 * @param dataFolder image folder, or null for the synthetic dataset
 * @param initFrom weights to start from (diffusers folder, checkpoint folder or weights file), or null
 * @param resume whether to continue the run's latest checkpoint
 * @param lpipsWeights LPIPS safetensors, or null
 */
public record TrainingSession(Recipe recipe, Path runDir, Path dataFolder, Path initFrom, boolean resume,
        Path lpipsWeights) {

    /** What a finished run reports. */
    public record Outcome(TrainingState state, List<Map<String, Double>> validations, Path model, Path emaModel,
            long skippedFiles) {
    }

    /** Runs the session, drawing progress on {@code console}. */
    public Outcome run(PrintStream console) {
        prepareRunFolder();
        // Fresh weights (model, discriminator) come from libtorch's global generator: seed it for reproducible runs.
        org.bytedeco.pytorch.global.torch.manual_seed(recipe.train().seed());
        AutoencoderKL model = buildModel();
        Discriminator discriminator = buildDiscriminator();
        VaeGanObjective objective = ObjectiveFactory.create(recipe, lpipsWeights);
        TrainConfig config = recipe.train();
        Trainer trainer = new Trainer(model, discriminator, objective, discriminator == null ? null : objective, config,
                runDir);
        if (resume) {
            trainer.resume(CheckpointStore.latest(runDir).orElseThrow(() -> new IllegalArgumentException(
                    "nothing to resume: " + runDir + " has no complete checkpoint")));
        }
        TrainingData data = TrainingData.of(recipe, dataFolder);
        console.println("vae train: recipe " + recipe.name() + ", data " + data.source() + ", run " + runDir);
        console.printf(Locale.ROOT, "model: %,d parameters (%s), discriminator: %s%n",
                StateDict.parameterCount(model), model.config().blockOutChannels(),
                discriminator == null ? "none" : String.format(Locale.ROOT, "%,d parameters",
                        StateDict.parameterCount(discriminator.module())));
        MetricsLog log = new MetricsLog(runDir);
        long every = recipe.validation().every();
        Validation validation = new Validation(data.validation(), every, extraMetrics(objective), log);
        List<TrainingListener> listeners = new ArrayList<>(List.of(new ConsoleProgress(console), log, validation,
                new SampleGrid(data.validation().subList(0, Math.min(8, data.validation().size())), every),
                new LossPlot(every)));
        long[] skippedFiles = {0};
        listeners.add(new TrainingListener() {
            @Override
            public void onEnd(dev.vae4j.core.train.TrainingRun run) {
                skippedFiles[0] = run.skippedFiles();
            }
        });
        TrainingState state = trainer.train(data.train(), 0, 1, listeners);
        Path exported = runDir.resolve("model");
        model.save(exported);
        Path emaExport = null;
        if (trainer.ema() != null) {
            AutoencoderKL averaged = new AutoencoderKL(model.config());
            trainer.ema().copyTo(averaged);
            emaExport = runDir.resolve("model-ema");
            averaged.save(emaExport);
        }
        return new Outcome(state, validation.history(), exported, emaExport, skippedFiles[0]);
    }

    private void prepareRunFolder() {
        try {
            if (!resume && CheckpointStore.latest(runDir).isPresent()) {
                throw new IllegalArgumentException("run folder " + runDir + " already holds checkpoints: continue it "
                        + "with --resume " + runDir + " or choose another --out");
            }
            Files.createDirectories(runDir);
            recipe.write(runDir.resolve("recipe.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run folder " + runDir + ": " + e.getMessage(), e);
        }
    }

    private AutoencoderKL buildModel() {
        if (initFrom == null) {
            if (recipe.model().requiresPretrained() && !resume) {
                throw new IllegalArgumentException("recipe " + recipe.name() + " fine-tunes a pretrained VAE: give "
                        + "its diffusers folder with --init-from DIR");
            }
            return new AutoencoderKL(recipe.model().resolve());
        }
        if (Files.isRegularFile(initFrom.resolve(AutoencoderKL.CONFIG_FILE))
                || Files.isRegularFile(initFrom.resolve("vae").resolve(AutoencoderKL.CONFIG_FILE))) {
            return AutoencoderKL.fromPretrained(initFrom);
        }
        AutoencoderKL model = new AutoencoderKL(recipe.model().resolve());
        Path checkpointWeights = initFrom.resolve("autoencoder.safetensors");
        model.loadWeights(Files.isRegularFile(checkpointWeights) ? checkpointWeights : initFrom, true);
        return model;
    }

    private Discriminator buildDiscriminator() {
        Recipe.DiscriminatorSpec spec = recipe.discriminator();
        if (spec == null || spec.type() == null || spec.type().equalsIgnoreCase("none")) {
            return null;
        }
        if (spec.type().equalsIgnoreCase("patchgan") && spec.ndf() > 0) {
            int channels = recipe.model().resolve().outChannels();
            return new PatchGanDiscriminator(new PatchGanConfig(channels, spec.ndf(), spec.layers(), spec.actNorm()),
                    recipe.train().seed());
        }
        return DiscriminatorPresets.create(spec.type().toLowerCase(Locale.ROOT), recipe.train().seed());
    }

    private static Map<String, ImageMetric> extraMetrics(VaeGanObjective objective) {
        Lpips lpips = objective.lpips();
        if (lpips == null) {
            return Map.of();
        }
        return Map.of("lpips", (reference, test) -> lpips.forward(reference, test).mean().item_double());
    }
}
