package dev.vae4j.examples;

import dev.vae4j.core.data.Augmentation;
import dev.vae4j.core.data.ImageArray;
import dev.vae4j.core.data.ImageFolderDataset;
import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.metrics.Psnr;
import dev.vae4j.core.metrics.Ssim;
import dev.vae4j.core.metrics.fid.FidInceptionV3;
import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.examples.eval.EvalReport;
import dev.vae4j.examples.eval.LatentStats;
import dev.vae4j.examples.eval.RfidAccumulator;
import dev.vae4j.examples.eval.RunningStats;
import dev.vae4j.examples.eval.WorstReconstructions;
import dev.vae4j.losses.Lpips;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
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
 * originals vs reconstructions, Frechet distance; the originals' statistics cached in {@code --reference-stats}).
 * Batches stream through a tensor scope each, so memory does not grow with the number of images.
 * Writes to {@code --output}: {@code eval.json}, {@code worst.png} (the lowest-PSNR reconstructions) and
 * {@code latent_histogram.png} (per-channel distribution of the normalised latents {@code (z - shift) * scale}).
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Measure PSNR, SSIM, LPIPS, rFID and latent statistics of a model on an image folder.")
public final class EvaluateCommand implements Callable<Integer> {
    private static final int HISTOGRAM_BINS = 80;
    private static final double HISTOGRAM_RANGE = 4.0;

    /** Crop modes ({@code center} only: deterministic evaluation). */
    enum Crop { center }

    @Spec
    private CommandSpec spec;

    @Mixin
    private ComputeOptions compute;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
            description = "Model folder: diffusers AutoencoderKL (or a pipeline folder with vae/) or LiteVAE.")
    private Path modelDir;

    @Option(names = {"-d", "--data"}, required = true, paramLabel = "DIR", description = "Folder of images.")
    private Path data;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", defaultValue = "eval",
            description = "Folder (created) for eval.json and the figures (default: ${DEFAULT-VALUE}).")
    private Path output;

    @Option(names = "--size", paramLabel = "PX", defaultValue = "256",
            description = "Square evaluation resolution (default: ${DEFAULT-VALUE}).")
    private int size;

    @Option(names = "--crop", paramLabel = "MODE", defaultValue = "center",
            description = "Crop after resizing: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private Crop crop;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N images (by name).")
    private Integer limit;

    @Option(names = "--lpips", paramLabel = "WEIGHTS",
            description = "LPIPS (VGG) weights as safetensors (see vae convert --to lpips); LPIPS is skipped without.")
    private Path lpipsWeights;

    @Option(names = "--inception", paramLabel = "WEIGHTS",
            description = "FID Inception weights as safetensors (pt_inception-2015-12-05 converted, torchvision "
                    + "names); rFID is skipped without.")
    private Path inceptionWeights;

    @Option(names = "--reference-stats", paramLabel = "FILE",
            description = "Cache of the data's Inception statistics: read when present (and computed for the same "
                    + "data, size, crop and count), written otherwise.")
    private Path referenceStats;

    @Option(names = "--ssim-padded",
            description = "SSIM as torchmetrics >= 1.5 (reflect-padded border) instead of pytorch-msssim (valid).")
    private boolean ssimPadded;

    @Option(names = "--worst", paramLabel = "K", defaultValue = "8",
            description = "Reconstructions shown in worst.png (default: ${DEFAULT-VALUE}).")
    private int worst;

    /** Creates the command (picocli instantiates it). */
    public EvaluateCommand() {
    }

    @Override
    public Integer call() {
        validate();
        List<Path> files = ImageTensors.listImages(data);
        if (limit != null && limit < files.size()) {
            files = files.subList(0, limit);
        }
        ImageFolderDataset dataset = new ImageFolderDataset(data, files, Augmentation.center(size));
        CliSupport.createFolder(output);
        compute.apply();
        Autoencoder model = compute.prepare(CliSupport.loadModel(modelDir));
        requireCompatible(model);
        Lpips lpips = lpipsWeights == null ? null : Lpips.fromSafetensors(lpipsWeights);
        FidInceptionV3 inception = inceptionWeights == null ? null : FidInceptionV3.fromSafetensors(inceptionWeights);
        Map<String, String> cacheKey = new LinkedHashMap<>();
        cacheKey.put("data", data.toAbsolutePath().normalize().toString());
        cacheKey.put("size", Integer.toString(size));
        cacheKey.put("crop", crop.name());
        cacheKey.put("images", Integer.toString(dataset.size()));
        try (RfidAccumulator rfid = inception == null ? null
                : new RfidAccumulator(inception, referenceStats, cacheKey)) {
            return evaluate(dataset, model, lpips, rfid);
        }
    }

    private int evaluate(ImageFolderDataset dataset, Autoencoder model, Lpips lpips, RfidAccumulator rfid) {
        Ssim.Border border = ssimPadded ? Ssim.Border.REFLECT_PADDED : Ssim.Border.VALID;
        RunningStats psnr = new RunningStats();
        RunningStats ssim = new RunningStats();
        RunningStats lpipsStats = new RunningStats();
        LatentStats latents = new LatentStats(model.latentChannels(), HISTOGRAM_BINS, HISTOGRAM_RANGE);
        WorstReconstructions worstImages = new WorstReconstructions(worst);
        LatentNormalizer normalizer = model.latentNormalizer();
        long t0 = System.nanoTime();
        try (InferenceMode guard = new InferenceMode()) {
            CliSupport.Progress progress = new CliSupport.Progress("evaluated", dataset.size());
            SplittableRandom centreCropDrawsNothing = new SplittableRandom(0);
            for (int start = 0; start < dataset.size(); start += compute.batchSize()) {
                int end = Math.min(dataset.size(), start + compute.batchSize());
                try (TensorScope step = new TensorScope()) {
                    List<ImageArray> arrays = new ArrayList<>();
                    for (int i = start; i < end; i++) {
                        arrays.add(dataset.get(i, centreCropDrawsNothing));
                    }
                    Tensor images = ImageArray.toBatch(arrays);
                    Tensor z = model.encode(images).mode();
                    Tensor decoded = model.decode(z).clamp(new ScalarOptional(new Scalar(-1.0)),
                            new ScalarOptional(new Scalar(1.0)));
                    double[] p = doubles(Psnr.perImage(images, decoded));
                    psnr.addAll(p);
                    ssim.addAll(doubles(Ssim.perImage(images, decoded, border)));
                    if (lpips != null) {
                        lpipsStats.addAll(doubles(lpips.forward(images, decoded)));
                    }
                    if (rfid != null) {
                        rfid.add(images, decoded);
                    }
                    latents.add(normalizer.normalize(z));
                    for (int i = 0; i < p.length; i++) {
                        worstImages.offer(dataset.describe(start + i), p[i], images, decoded, i);
                    }
                }
                progress.advance(end);
            }
        }
        EvalReport report = report(dataset.size(), lpips != null ? lpipsStats : null, psnr, ssim, border);
        addRfid(report, rfid);
        report.fact("worst", worstImages.names());
        report.fact("seconds", (System.nanoTime() - t0) / 1e9);
        report.writeJson(output.resolve("eval.json"), latents, HISTOGRAM_RANGE,
                String.format(Locale.ROOT, "(z - %s) * %s", normalizer.shift(), normalizer.scale()));
        worstImages.writePng(output.resolve("worst.png"));
        latents.writeHistogramPng(output.resolve("latent_histogram.png"));
        report.printTable(spec.commandLine().getOut());
        spec.commandLine().getOut().printf(Locale.ROOT, "evaluated %d image(s) -> %s%n", dataset.size(),
                output.resolve("eval.json"));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private EvalReport report(int count, RunningStats lpipsStats, RunningStats psnr, RunningStats ssim,
            Ssim.Border border) {
        EvalReport report = new EvalReport();
        report.fact("model", modelDir.toString());
        report.fact("data", data.toString());
        report.fact("images", count);
        report.fact("size", size);
        report.fact("crop", crop.name());
        report.fact("posterior", "mode");
        report.metric("psnr", psnr, "dB per image, images mapped from [-1, 1] to [0, 1], data range 1 (skimage)");
        report.metric("ssim", ssim, border == Ssim.Border.VALID
                ? "Gaussian 11/1.5, K 0.01/0.03, valid window, data range 1 (pytorch-msssim)"
                : "Gaussian 11/1.5, K 0.01/0.03, reflect-padded by 5, data range 1 (torchmetrics >= 1.5)");
        if (lpipsStats != null) {
            report.metric("lpips", lpipsStats, "LPIPS VGG v0.1 from " + lpipsWeights);
        } else {
            report.note("LPIPS not computed: no --lpips weights given");
        }
        return report;
    }

    private void addRfid(EvalReport report, RfidAccumulator rfid) {
        if (rfid == null) {
            report.note("rFID not computed: no --inception weights given");
        } else if (rfid.count() < 2) {
            report.note("rFID not computed: the covariance needs at least 2 images, got " + rfid.count());
        } else {
            double value;
            try (TensorScope scope = new TensorScope()) {
                value = rfid.distance();
            }
            report.scalar("rfid", value, "pytorch-fid InceptionV3 pool3 (2048-d), originals vs reconstructions, "
                    + rfid.count() + " images" + (rfid.referenceFromCache() ? ", reference statistics from "
                    + referenceStats : ""));
        }
    }

    private void validate() {
        if (size < 11) {
            throw new ParameterException(spec.commandLine(), "--size must be at least 11 (the SSIM window), got "
                    + size);
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

    private void requireCompatible(Autoencoder model) {
        if (model.imageChannels() != 3 || model.outputChannels() != 3) {
            throw new IllegalArgumentException("vae evaluate needs an RGB model (3 channels in and out), " + modelDir
                    + " has " + model.imageChannels() + " in and " + model.outputChannels() + " out");
        }
        if (size % model.downsamplingFactor() != 0) {
            throw new IllegalArgumentException("--size " + size + " is not a multiple of the model's downsampling "
                    + "factor " + model.downsamplingFactor());
        }
    }

    private static double[] doubles(Tensor t) {
        Tensor c = t.detach().cpu().to(ScalarType.Double).contiguous().view(-1);
        double[] out = new double[(int) c.numel()];
        c.data_ptr_double().get(out, 0, out.length);
        return out;
    }
}
