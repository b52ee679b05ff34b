package dev.vae4j.cli;

import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.eval.EvalReport;
import dev.vae4j.eval.Evaluation;
import dev.vae4j.eval.EvaluationOptions;
import dev.vae4j.eval.EvaluationSet;
import dev.vae4j.eval.ReconstructionEvaluator;
import dev.vae4j.train.data.ImageFolderDataset;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.DistributedContext;
import dev.vae4j.train.dist.ProcessGroupCollectives;
import dev.vae4j.train.metrics.Ssim;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vae evaluate}: reconstruction quality of an autoencoder on an image folder. Each image is resized so its
 * shorter side is {@code --size} and centre-cropped to a square (RGB, [-1, 1]), encoded, and the posterior mode is
 * decoded and clamped to [-1, 1]. Per image: PSNR (dB, data range 1 after mapping to [0, 1], as skimage), SSIM
 * (pytorch-msssim, or torchmetrics' padded variant with {@code --ssim-padded}) and, given {@code --lpips} weights,
 * LPIPS (VGG); over the set, given {@code --inception} weights, rFID (pytorch-fid's Inception pool3 features of
 * originals vs reconstructions, Frechet distance; the originals' statistics cached in {@code --reference-stats}). The
 * metrics come from {@link ReconstructionEvaluator}, which streams batches through a tensor scope each, so memory does
 * not grow with the number of images. Writes to {@code --output}: {@code eval.json}, {@code worst.png} (the lowest-PSNR
 * reconstructions) and {@code latent_histogram.png} (per-channel distribution of the normalised latents {@code (z -
 * shift) * scale}).
 */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description = {
            "Measure PSNR, SSIM, LPIPS, rFID and latent statistics of a model on an image folder.",
            "Under 'vae launch' the ranks share the images and rank 0 writes the results."
        })
public final class EvaluateCommand implements Callable<Integer> {
    /** Crop modes ({@code center} only: deterministic evaluation). */
    enum Crop {
        center
    }

    /** The files written into {@code --output}. */
    private static final List<String> OUTPUTS = List.of("eval.json", "worst.png", "latent_histogram.png");

    @Spec
    private CommandSpec spec;

    @Mixin
    private ComputeOptions compute;

    @Mixin
    private ModelOption modelOption;

    @Option(
            names = {"-d", "--data"},
            required = true,
            paramLabel = "DIR",
            description = "Folder of images.")
    private Path data;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "DIR",
            defaultValue = "eval",
            description = "Folder (created) for eval.json and the figures (default: ${DEFAULT-VALUE}).")
    private Path output;

    @Option(
            names = "--size",
            paramLabel = "PX",
            defaultValue = "256",
            description = "Square evaluation resolution (default: ${DEFAULT-VALUE}).")
    private int size;

    @Option(
            names = "--crop",
            paramLabel = "MODE",
            defaultValue = "center",
            description = "Crop after resizing: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private Crop crop;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N images (by name).")
    private Integer limit;

    @Option(
            names = "--lpips",
            paramLabel = "WEIGHTS",
            description = "LPIPS (VGG) weights as safetensors (see vae convert --to lpips); LPIPS is skipped without.")
    private Path lpipsWeights;

    @Option(
            names = "--inception",
            paramLabel = "WEIGHTS",
            description = "FID Inception weights as safetensors (pytorch-fid's pt_inception-2015-12-05 .pth through "
                    + "vae convert --to safetensors); rFID is skipped without.")
    private Path inceptionWeights;

    @Option(
            names = "--reference-stats",
            paramLabel = "FILE",
            description = "Cache of the data's Inception statistics: read when present (and computed for the same "
                    + "data, size, crop and count), written otherwise.")
    private Path referenceStats;

    @Option(
            names = "--ssim-padded",
            description = "SSIM as torchmetrics >= 1.5 (reflect-padded border) instead of pytorch-msssim (valid).")
    private boolean ssimPadded;

    @Option(
            names = "--worst",
            paramLabel = "K",
            defaultValue = "8",
            description = "Reconstructions shown in worst.png (default: ${DEFAULT-VALUE}).")
    private int worst;

    @Mixin
    private OverwriteOption overwrite;

    /** Creates the command (picocli instantiates it). */
    public EvaluateCommand() {}

    @Override
    public Integer call() {
        validate();
        EvaluationSet set = EvaluationSet.of(data, size, limit);
        ImageFolderDataset dataset = set.dataset();
        long resized = set.imagesResized();
        overwrite.refuseExisting(output, OUTPUTS);
        CliSupport.createFolder(output);
        TrainableAutoencoder model = modelOption.loadOnDevice(compute);
        ReconstructionEvaluator.requireCompatible(model, size, "--size");
        DistributedContext context =
                DistributedContext.fromEnvironment(System.getenv(), "cpu", null, DistributedContext.DEFAULT_TIMEOUT);
        CliSupport.Progress progress = new CliSupport.Progress("evaluated", dataset.size());
        Evaluation evaluation;
        try (ReconstructionEvaluator evaluator = ReconstructionEvaluator.builder()
                        .ssimBorder(ssimPadded ? Ssim.Border.REFLECT_PADDED : Ssim.Border.VALID)
                        .lpips(lpipsWeights)
                        .inception(inceptionWeights)
                        .worst(worst)
                        .build();
                Collectives collectives =
                        context.distributed() ? ProcessGroupCollectives.connect(context) : Collectives.single()) {
            evaluation = evaluator.evaluate(
                    model,
                    dataset,
                    EvaluationOptions.defaults()
                            .withInference(compute.inferenceOptions())
                            .withDevice(compute.device())
                            .withBatchSize(compute.batchSize())
                            .withReferenceStats(referenceStats, set.cacheKey())
                            .withProgress(progress::advance)
                            .withCollectives(collectives));
        }
        if (!context.writer()) {
            return 0;
        }
        if (resized > 0) {
            PrintWriter err = spec.commandLine().getErr();
            err.printf(
                    Locale.ROOT,
                    "evaluate: %d of %d image(s) were not %dx%d: each was resized (shorter side to %d"
                            + " px) and centre-cropped before encoding; --size sets the resolution%n",
                    resized,
                    dataset.size(),
                    size,
                    size,
                    size);
            err.flush();
        }
        EvalReport report = evaluation.report();
        report.fact("model", modelOption.dir().toString());
        report.fact("data", data.toString());
        report.fact("size", size);
        report.fact("crop", crop.name());
        report.fact("resized", resized);
        report.fact("posterior", "mode");
        report.fact("worst", evaluation.worst().names());
        evaluation.writeJson(report, output.resolve(OUTPUTS.get(0)));
        evaluation.worst().writePng(output.resolve(OUTPUTS.get(1)));
        evaluation.latents().writeHistogramPng(output.resolve(OUTPUTS.get(2)));
        PrintWriter out = spec.commandLine().getOut();
        report.printTable(out);
        out.printf(Locale.ROOT, "evaluated %d image(s) -> %s%n", dataset.size(), output.resolve("eval.json"));
        out.flush();
        return 0;
    }

    private void validate() {
        if (size < 11) {
            throw new ParameterException(
                    spec.commandLine(), "--size must be at least 11 (the SSIM window), got " + size);
        }
        if (limit != null && limit < 1) {
            throw new ParameterException(spec.commandLine(), "--limit must be at least 1, got " + limit);
        }
        if (referenceStats != null && inceptionWeights == null) {
            throw new ParameterException(spec.commandLine(), "--reference-stats needs --inception weights");
        }
        if (worst < 1) {
            throw new ParameterException(spec.commandLine(), "--worst must be at least 1, got " + worst);
        }
    }
}
