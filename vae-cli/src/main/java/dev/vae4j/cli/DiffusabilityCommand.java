package dev.vae4j.cli;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.tensor.CpuThreads;
import dev.vae4j.diffusion.train.Stage2Recipe;
import dev.vae4j.eval.Diffusability;
import dev.vae4j.recipes.ConsoleProgress;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.cache.CacheLabels;
import dev.vae4j.train.data.Augmentation;
import dev.vae4j.train.data.ImageClassFolders;
import dev.vae4j.train.data.ImageFolderDataset;
import dev.vae4j.train.data.SyntheticImages;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vae diffusability}: caches each autoencoder's latents of a labelled image set, trains the same stage-2 recipe
 * with the same seed on each ({@link Diffusability}) and prints one table: reconstruction PSNR (and rFID) next to
 * generation latent FD (and gFID) per autoencoder, with the sample grids. The work folder records the options
 * ({@link ComparisonRecord}); after a stop (SIGTERM, Ctrl-C) {@code --resume} continues the comparison exactly.
 */
@Command(
        name = "diffusability",
        mixinStandardHelpOptions = true,
        description = {
            "Compare autoencoders by how well a stage-2 model learns their latents: cache each one's latents of the",
            "images, train the same stage-2 recipe with the same seed on each, and print PSNR/rFID (reconstruction)",
            "next to latent FD/gFID (generation) per autoencoder, plus the sample grids."
        })
public final class DiffusabilityCommand implements Callable<Integer> {
    private static final String SYNTHETIC = "synthetic:";

    @Spec
    private CommandSpec spec;

    @Option(
            names = "--vae",
            required = true,
            paramLabel = "DIR",
            description = "An AutoencoderKL folder to compare (repeat the option for each).")
    private List<Path> autoencoders;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "DIR|synthetic:N[:SEED]",
            description = "Images in class sub-folders (the classes, sorted), or N built-in synthetic images (their"
                    + " texture kinds are the classes).")
    private String data;

    @Option(
            names = "--recipe",
            required = true,
            paramLabel = "R",
            description = "The stage-2 recipe trained on each (e.g. dit-s2, dit-synthetic, or a YAML file).")
    private String recipeName;

    @Option(names = "--steps", paramLabel = "N", description = "Override the recipe's step count.")
    private Long steps;

    @Option(
            names = "--resolution",
            paramLabel = "PX",
            defaultValue = "32",
            description = "Square side the images are cropped and encoded at (default: ${DEFAULT-VALUE}).")
    private int resolution;

    @Option(
            names = "--inception",
            paramLabel = "FILE",
            description = "FID Inception weights (vae convert of pytorch-fid's): adds rFID and gFID.")
    private Path inception;

    @Option(
            names = "--samples",
            paramLabel = "K",
            defaultValue = "16",
            description = "Samples generated per class for the scores (default: ${DEFAULT-VALUE}).")
    private int samplesPerClass;

    @Option(
            names = "--sampler-steps",
            paramLabel = "S",
            defaultValue = "25",
            description = "Sampler steps (default: ${DEFAULT-VALUE}).")
    private int samplerSteps;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            defaultValue = "runs/diffusability",
            description = "Work folder: a latent cache and a stage-2 run per autoencoder (default: ${DEFAULT-VALUE}).")
    private Path out;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all cores).")
    private Integer threads;

    @Option(
            names = "--resume",
            description = "Continue the comparison in --out after a stop (the same options): finished caches and runs"
                    + " are kept, a stopped run continues from its last checkpoint.")
    private boolean resume;

    @Override
    public Integer call() {
        if (!Stage2Recipe.isStage2(recipeName)) {
            throw new IllegalArgumentException("--recipe " + recipeName + " is not a stage-2 recipe (built in: "
                    + String.join(", ", Stage2Recipe.BUILT_IN) + ")");
        }
        Stage2Recipe recipe = Stage2Recipe.load(recipeName);
        if (steps != null) {
            recipe = recipe.withTrain(recipe.train().toBuilder().steps(steps).build());
        }
        Diffusability.Data images = data();
        ComparisonRecord record = new ComparisonRecord(
                autoencoders.stream().map(DiffusabilityCommand::absolute).toList(),
                data.startsWith(SYNTHETIC) ? data : absolute(Path.of(data)),
                resolution,
                recipe.toYaml(),
                samplesPerClass,
                samplerSteps,
                inception == null ? null : absolute(inception));
        startOrResume(record);
        CpuThreads.configure(threads == null ? Runtime.getRuntime().availableProcessors() : threads);
        StopRequest stop = new StopRequest();
        List<Diffusability.Row> rows;
        try (StopSignals signals = StopSignals.requestingStop(
                stop, spec.commandLine().getErr(), false, "stopping after the current step and saving a checkpoint")) {
            rows = new Diffusability(recipe, out, inception, samplesPerClass, samplerSteps)
                    .run(autoencoders, images, stop, List.of(new ConsoleProgress(System.err)));
            if (rows.size() < autoencoders.size()) {
                PrintWriter console = spec.commandLine().getOut();
                console.printf(
                        Locale.ROOT,
                        "stopped at autoencoder %d of %d; continue with the same options and --resume%n",
                        rows.size() + 1,
                        autoencoders.size());
                console.flush();
                return signals.exitCode();
            }
        }
        PrintWriter console = spec.commandLine().getOut();
        console.printf(
                Locale.ROOT,
                "%-40s %9s %9s %11s %9s  %s%n",
                "autoencoder",
                "PSNR dB",
                "rFID",
                "latent FD",
                "gFID",
                "sample grid");
        for (Diffusability.Row row : rows) {
            console.printf(
                    Locale.ROOT,
                    "%-40s %9.3f %9s %11.4f %9s  %s%n",
                    row.autoencoder(),
                    row.psnr(),
                    orDash(row.rfid()),
                    row.latentFd(),
                    orDash(row.gfid()),
                    row.grid());
        }
        console.flush();
        return 0;
    }

    /** Records a new comparison in a new work folder, or checks that {@code --resume} continues the same one. */
    private void startOrResume(ComparisonRecord record) {
        if (resume) {
            String difference = ComparisonRecord.read(out).difference(record);
            if (difference != null) {
                throw new IllegalArgumentException("--resume: the comparison in " + out + " cannot continue, "
                        + difference + "; resume it with the options it was started with, or choose another --out");
            }
            return;
        }
        if (Files.exists(out)) {
            throw new IllegalArgumentException("the work folder " + out
                    + " already exists: continue its comparison with --resume, or choose another --out");
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new FileAccessException("cannot create the work folder " + out + ": " + e.getMessage(), e);
        }
        record.write(out);
    }

    private static String absolute(Path path) {
        return path.toAbsolutePath().normalize().toString();
    }

    private static String orDash(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.3f", value);
    }

    /** The labelled images of {@code --data}. */
    private Diffusability.Data data() {
        if (data.startsWith(SYNTHETIC)) {
            String[] parts = data.substring(SYNTHETIC.length()).split(":", -1);
            int count;
            long seed;
            try {
                count = Integer.parseInt(parts[0]);
                seed = parts.length > 1 ? Long.parseLong(parts[1]) : 0;
            } catch (NumberFormatException e) {
                count = -1;
                seed = 0;
            }
            if (count < 1 || parts.length > 2) {
                throw new IllegalArgumentException(
                        "--data " + data + ": the built-in images are named synthetic:COUNT or synthetic:COUNT:SEED");
            }
            SyntheticImages synthetic = new SyntheticImages(count, resolution, seed, false);
            return new Diffusability.Data(
                    synthetic.asSource(), CacheLabels.synthetic(synthetic), synthetic, resolution);
        }
        Path root = Path.of(data);
        ImageClassFolders classes = ImageClassFolders.open(root);
        List<Path> files = classes.classNames().stream()
                .flatMap(name -> ImageTensors.listImages(root.resolve(name)).stream())
                .toList();
        return new Diffusability.Data(
                classes.images(),
                CacheLabels.folders(classes),
                new ImageFolderDataset(root, files, Augmentation.center(resolution)),
                resolution);
    }
}
