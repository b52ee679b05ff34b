package dev.vae4j.cli;

import dev.vae4j.core.tensor.CpuThreads;
import dev.vae4j.diffusion.train.Stage2Recipe;
import dev.vae4j.diffusion.train.Stage2Session;
import dev.vae4j.recipes.ConsoleProgress;
import dev.vae4j.recipes.Recipe;
import dev.vae4j.recipes.RunFolder;
import dev.vae4j.recipes.TrainingBudget;
import dev.vae4j.recipes.TrainingSession;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingState;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.DataParallel;
import dev.vae4j.train.dist.DistributedContext;
import dev.vae4j.train.dist.ProcessGroupCollectives;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vae train}: trains or fine-tunes an autoencoder from a recipe. With no arguments it trains the
 * {@code kl-f4-small} recipe on the built-in synthetic dataset on the CPU (the embedded default) into
 * {@code runs/kl-f4-small}. SIGTERM or SIGINT ends it after the current step with a checkpoint ({@link StopSignals},
 * {@link StopRequest}); it then exits with 143 or 130. A stage-2 recipe ({@link Stage2Recipe}) trains a latent
 * diffusion model on a latent cache ({@code --latents}) instead.
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = {
            "Train or fine-tune an autoencoder from a recipe (default: 'kl-f4-small' on synthetic images).",
            "Stage-2 recipes (dit-s2, sit-s2, latent-unet, dit-synthetic) train a latent diffusion model on --latents CACHE.",
            "Built-in recipes: kl-f4-small, ldm-kl-f8, sd-ft-mse, ... (vae recipes). Writes <out>/checkpoints, metrics.jsonl, samples/,",
            "loss.png, eval/ (with a recipe 'evaluation' section) and the final diffusers folders <out>/model",
            "(and <out>/model-ema with EMA).",
            "On SIGTERM or SIGINT it finishes the current step, saves a checkpoint, prints where and exits with 143/130;",
            "--resume continues exactly."
        })
public final class TrainCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(
            names = "--recipe",
            paramLabel = "R",
            defaultValue = "kl-f4-small",
            description = "Built-in recipe name or a recipe YAML file (default: ${DEFAULT-VALUE}).")
    private String recipeName;

    @Option(
            names = "--data",
            paramLabel = "DIR|SHARDS",
            description =
                    "Image folder (sub-folders included), or WebDataset tar shards as a path or brace pattern, e.g."
                            + " 'shards/data-{000000..000099}.tar' (default: built-in synthetic images).")
    private Path data;

    @Option(
            names = "--latents",
            paramLabel = "CACHE",
            description = "Stage-2 recipes (vae recipes): the latent cache to train the denoiser on, made by"
                    + " 'vae encode --output CACHE --labels folders'.")
    private Path latents;

    @Option(
            names = "--vae",
            paramLabel = "DIR",
            description = "Stage-2 recipes: the AutoencoderKL folder that encoded the cache; a DiT run then ends"
                    + " with a diffusers DiTPipeline folder <out>/pipeline (else <out>/transformer).")
    private Path vae;

    @Mixin
    private GenerationEvalOptions generationEval;

    @Option(names = "--out", paramLabel = "DIR", description = "Run folder (default: runs/<recipe name>).")
    private Path out;

    @Option(
            names = "--overwrite",
            description = "Replace the run already in the run folder (its checkpoints, model and metrics are deleted).")
    private boolean overwrite;

    @Option(
            names = "--resume",
            paramLabel = "RUN_DIR",
            description = "Continue the latest checkpoint of RUN_DIR with its saved recipe.")
    private Path resume;

    @Option(
            names = "--init-from",
            paramLabel = "PATH",
            description = "Start from these weights (diffusers folder, checkpoint folder or weights file); "
                    + "optimizers start fresh.")
    private Path initFrom;

    @Option(
            names = "--teacher",
            paramLabel = "DIR",
            description = "A model folder whose latents the model learns to decode (distillation, e.g. of a tiny "
                    + "decoder; recipe taesd-distill); saved in the run's recipe.")
    private Path teacher;

    @Option(names = "--steps", paramLabel = "N", description = "Override the recipe's step count.")
    private Long steps;

    @Option(names = "--batch-size", paramLabel = "B", description = "Override the recipe's batch size.")
    private Integer batchSize;

    @Option(names = "--image-size", paramLabel = "PX", description = "Override the recipe's training resolution.")
    private Integer imageSize;

    @Option(
            names = "--lr",
            paramLabel = "LR",
            description = "Override the autoencoder's peak learning rate (the "
                    + "discriminator's too when the recipe gives it no optimizer of its own).")
    private Double learningRate;

    @Option(names = "--device", paramLabel = "DEV", description = "cpu or cuda (default: the recipe's, cpu).")
    private String device;

    @Option(
            names = "--log-every",
            paramLabel = "N",
            description = "Read and log the averaged loss terms every N steps (default: the recipe's log_every, 10).")
    private Long logEvery;

    @Option(
            names = "--cudnn-benchmark",
            description = "Let cuDNN pick the fastest convolution algorithms for the "
                    + "fixed training size (CUDA only; not bit-reproducible between runs).")
    private boolean cudnnBenchmark;

    @Option(
            names = "--lpips",
            paramLabel = "FILE",
            description = "LPIPS weights (VGG16 features + heads, safetensors) for recipes that weight LPIPS.")
    private Path lpips;

    @Option(
            names = "--threads",
            paramLabel = "N",
            description = "libtorch CPU threads (default: 1 for images up to 64 px, whose small tensors run fastest "
                    + "on one thread, else the number of processors).")
    private Integer threads;

    @Option(
            names = "--dist-backend",
            paramLabel = "B",
            description = "Data-parallel backend: gloo or nccl (default: nccl on cuda, gloo on cpu). The job comes "
                    + "from RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT (set by 'vae launch' or torchrun-"
                    + "style schedulers); without WORLD_SIZE the run is single-process.")
    private String distBackend;

    @Option(
            names = "--dist-timeout",
            paramLabel = "SECONDS",
            defaultValue = "600",
            description = "Seconds a rank waits for the others (rendezvous, gradient exchange, rank 0's validation) "
                    + "before failing (default: ${DEFAULT-VALUE}).")
    private long distTimeout;

    @Option(
            names = "--ddp-bucket-mb",
            paramLabel = "MB",
            defaultValue = "25",
            description = "Gradient all-reduce bucket size in MiB (default: ${DEFAULT-VALUE}).")
    private double bucketMb;

    @Option(
            names = "--ddp-broadcast-buffers",
            description = "Copy rank 0's buffers (BatchNorm statistics) to all ranks before every step; by default "
                    + "each rank keeps its own.")
    private boolean broadcastBuffers;

    @Override
    public Integer call() {
        String recipeSource = resume != null ? resume.resolve("recipe.yaml").toString() : recipeName;
        if (Stage2Recipe.isStage2(recipeSource)) {
            return trainStage2(Stage2Recipe.load(recipeSource));
        }
        if (latents != null || vae != null) {
            throw new IllegalArgumentException("--latents and --vae are options of stage-2 recipes (vae recipes); "
                    + recipeSource + " trains an autoencoder");
        }
        generationEval.refuseForAutoencoders(recipeSource);
        Recipe recipe = Recipe.load(recipeSource);
        int smallImages =
                recipe.data().imageSize() <= 64 ? 1 : Runtime.getRuntime().availableProcessors();
        CpuThreads.configure(threads == null ? smallImages : threads);
        recipe = recipe.withTrain(overridden(recipe.train()));
        if (imageSize != null) {
            recipe = recipe.withImageSize(imageSize);
        }
        if (teacher != null) {
            recipe = recipe.withTeacher(teacher.toString());
        }
        if (resume != null && overwrite) {
            throw new IllegalArgumentException("--resume continues a run and --overwrite replaces it: give one");
        }
        Path runDir = resume != null ? resume : out != null ? out : RunFolder.defaultFor(recipe.name());
        Path source = dataSource(recipe);
        recipe = recipe.withDataSource(source == null ? null : source.toString());
        TrainingBudget.ofThisMachine().check(recipe, source == null);
        long started = System.nanoTime();
        DistributedContext context = context(recipe.train().device());
        recipe = recipe.withTrain(onThisRanksDevice(recipe.train(), context));
        StopRequest stop = new StopRequest();
        TrainingSession.Outcome outcome;
        int stopExit;
        // the handlers come after the rendezvous: a signal while waiting for the other ranks ends the process at once
        try (Collectives collectives =
                        context.distributed() ? ProcessGroupCollectives.connect(context) : Collectives.single();
                StopSignals signals = StopSignals.requestingStop(
                        stop,
                        spec.commandLine().getErr(),
                        context.distributed(),
                        "stopping after the current step and saving a checkpoint")) {
            outcome = new TrainingSession(
                            recipe,
                            runDir,
                            source,
                            initFrom,
                            resume != null,
                            overwrite,
                            lpips,
                            parallel(collectives),
                            stop)
                    .run(System.err);
            stopExit = signals.exitCode();
        }
        return report(recipe, runDir, context, stop, stopExit, outcome, started);
    }

    /** {@code train} with a launched rank's plain {@code cuda} device narrowed to the rank's own GPU. */
    private static TrainConfig onThisRanksDevice(TrainConfig train, DistributedContext context) {
        return context.distributed() && train.device().equals("cuda")
                ? train.toBuilder().device("cuda:" + context.localRank()).build()
                : train;
    }

    /**
     * Trains a stage-2 recipe on {@code --latents} ({@link Stage2Session}); the loop overrides, the data-parallel
     * options and the stop signals work as for autoencoder recipes.
     */
    private int trainStage2(Stage2Recipe loaded) {
        if (latents == null) {
            throw new IllegalArgumentException("stage-2 recipe " + loaded.name() + " trains on a latent cache: give"
                    + " --latents CACHE (made by vae encode --output CACHE --labels folders)");
        }
        if (data != null || initFrom != null || teacher != null || imageSize != null || lpips != null || overwrite) {
            throw new IllegalArgumentException("--data, --init-from, --teacher, --image-size, --lpips and --overwrite"
                    + " are options of autoencoder recipes; stage-2 recipe " + loaded.name() + " takes --latents");
        }
        CpuThreads.configure(threads == null ? Runtime.getRuntime().availableProcessors() : threads);
        Stage2Recipe recipe = loaded.withTrain(overridden(loaded.train()));
        Path runDir = resume != null ? resume : out != null ? out : RunFolder.defaultFor(recipe.name());
        if (resume == null && Files.isDirectory(runDir.resolve("checkpoints"))) {
            throw new IllegalArgumentException(
                    runDir + " already holds a run: continue it with --resume " + runDir + " or choose another --out");
        }
        long started = System.nanoTime();
        DistributedContext context = context(recipe.train().device());
        recipe = recipe.withTrain(onThisRanksDevice(recipe.train(), context));
        StopRequest stop = new StopRequest();
        TrainingState state;
        int stopExit;
        try (Collectives collectives =
                        context.distributed() ? ProcessGroupCollectives.connect(context) : Collectives.single();
                StopSignals signals = StopSignals.requestingStop(
                        stop,
                        spec.commandLine().getErr(),
                        context.distributed(),
                        "stopping after the current step and saving a checkpoint")) {
            List<TrainingListener> listeners =
                    new ArrayList<>(generationEval.listeners(recipe, latents, vae, collectives));
            if (context.writer()) {
                listeners.add(new ConsoleProgress(System.err));
            }
            state = Stage2Session.train(recipe, latents, runDir, vae, parallel(collectives), stop, listeners);
            stopExit = signals.exitCode();
        }
        boolean stopped = state.step() < recipe.train().steps();
        if (!context.writer()) {
            return stopped ? stopExit : 0;
        }
        PrintWriter console = spec.commandLine().getOut();
        if (stopped) {
            console.printf(
                    Locale.ROOT,
                    "stopped after step %d of %d; continue with: vae train --resume %s --latents %s%n",
                    state.step(),
                    recipe.train().steps(),
                    runDir,
                    latents);
            console.flush();
            return stopExit;
        }
        console.printf(
                Locale.ROOT,
                "trained %d steps in %.1f s (%d skipped); checkpoints and metrics.jsonl in %s%n",
                state.step(),
                (System.nanoTime() - started) / 1e9,
                state.skippedSteps(),
                runDir);
        return 0;
    }

    /** The recipe's loop settings with the command line's overrides. */
    private TrainConfig overridden(TrainConfig recipeTrain) {
        TrainConfig.Builder train = recipeTrain.toBuilder();
        if (steps != null) {
            train.steps(steps);
        }
        if (batchSize != null) {
            train.batchSize(batchSize);
        }
        if (device != null) {
            train.device(device);
        }
        if (learningRate != null) {
            train.generatorLearningRate(learningRate);
        }
        if (logEvery != null) {
            train.logEvery(logEvery);
        }
        if (cudnnBenchmark) {
            train.cudnnBenchmark(true);
        }
        return train.build();
    }

    private DistributedContext context(String trainDevice) {
        return DistributedContext.fromEnvironment(
                System.getenv(),
                trainDevice,
                distBackend == null ? null : DistributedContext.Backend.parse(distBackend),
                Duration.ofSeconds(distTimeout));
    }

    private DataParallel parallel(Collectives collectives) {
        return new DataParallel(collectives, Math.round(bucketMb * (1 << 20)), broadcastBuffers);
    }

    private int report(
            Recipe recipe,
            Path runDir,
            DistributedContext context,
            StopRequest stop,
            int stopExit,
            TrainingSession.Outcome outcome,
            long started) {
        boolean stopped = outcome.state().step() < recipe.train().steps();
        if (!context.writer()) {
            return stopped ? stopExit : 0;
        }
        PrintWriter console = spec.commandLine().getOut();
        if (stopped) {
            console.printf(
                    Locale.ROOT,
                    "stopped by %s after step %d of %d; checkpoint: %s%ncontinue with: vae train --resume %s%n",
                    stop.requested() ? stop.reason() : "another rank's stop request",
                    outcome.state().step(),
                    recipe.train().steps(),
                    outcome.stopCheckpoint(),
                    runDir);
            console.flush();
            return stopExit;
        }
        List<Map<String, Double>> validations = outcome.validations();
        console.println("validation (held-out, posterior mode):");
        for (Map<String, Double> v : List.of(validations.get(0), validations.get(validations.size() - 1))) {
            StringBuilder line = new StringBuilder(
                    String.format(Locale.ROOT, "  step %6d", v.get("step").longValue()));
            v.forEach((name, value) -> {
                if (!name.equals("step")) {
                    line.append(String.format(Locale.ROOT, "  %s %.4f", name, value));
                }
            });
            console.println(line);
        }
        console.printf(
                Locale.ROOT,
                "trained %d steps in %.1f s (%d skipped, %d unreadable files skipped)%n",
                outcome.state().step(),
                (System.nanoTime() - started) / 1e9,
                outcome.state().skippedSteps(),
                outcome.skippedFiles());
        console.println(
                "model: " + outcome.model() + (outcome.emaModel() == null ? "" : ", EMA: " + outcome.emaModel()));
        return 0;
    }

    /**
     * The absolute data source of the run: {@code --data}, else the recipe's {@code data.source} (on {@code --resume},
     * the source the run recorded), else null (synthetic images).
     *
     * @throws IllegalArgumentException if {@code --data} names another source than the one the resumed run recorded
     */
    private Path dataSource(Recipe recipe) {
        Path recorded = recipe.data().source() == null
                ? null
                : Path.of(recipe.data().source()).toAbsolutePath().normalize();
        Path given = data == null ? null : data.toAbsolutePath().normalize();
        if (resume != null && given != null && recorded != null && !given.equals(recorded)) {
            throw new IllegalArgumentException("--data " + data + " differs from the data the run in " + resume
                    + " trained on (" + recorded + "): resume without --data, or start a new run");
        }
        return given != null ? given : recorded;
    }
}
